"""REST routes by API area for the account side: orders and complex orders, balances,
transactions and position limits, username/password sessions, reference data.

(``exchange/rest.py`` is the request entry point and already owns the name ``rest``.)
"""
