"""Futures, futures options and crypto on the simulated exchange (contracts, prices, routes).

Named ``instruments`` rather than DESIGN's ``market/`` because ``exchange/market.py`` already
holds the market process and a package of the same name cannot sit beside it.
"""
