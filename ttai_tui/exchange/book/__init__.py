"""The paper account's book: tradable instruments, margin, fills, transactions, complex orders.

Everything here is keyed by instrument type and multiplier so that futures, futures options and
crypto (registered by the instruments side through ``Tradables.register``) trade through the
same order, margin and ledger code as equities and equity options.
"""
