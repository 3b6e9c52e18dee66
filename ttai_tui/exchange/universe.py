"""The simulated exchange's listed names: starting prices, volatilities, betas and reference data.

Numbers are ballpark real-world values so screens look plausible (a $600 SPY with a 15 % vol,
a $25 GME with a 90 % vol), not a claim about any particular day.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Spec:
    """Static description of one listed name."""

    symbol: str
    description: str
    price: float  # price at the end of the generated history (= start of the live path)
    vol: float  # annualised total volatility of the live process
    beta: float  # loading on the market factor
    kind: str = "stock"  # "etf" | "stock" | "index" | "future" (a futures root's own path) | "crypto"
    div_yield: float = 0.0
    market_cap_bn: float = 0.0
    liquidity: int = 4  # tastytrade liquidity rating 1..5
    adv_m: float = 20.0  # average daily share volume, millions
    earnings_in_days: int | None = None  # next earnings, calendar days from start
    weeklies: bool = True
    dailies: bool = False  # Mon-Fri expirations (SPY, QQQ, SPX)
    jump_rate: float = 0.5  # expected jumps per trading day
    jump_size: float = 0.004  # typical jump as a fraction of price
    shares_bn: float = 0.0
    eps: float = 0.0
    sector: str = ""

    @property
    def is_index(self) -> bool:
        return self.kind == "index"

    @property
    def optionable(self) -> bool:
        """Has a listed equity option chain (futures options live in exchange.instruments)."""
        return self.is_equity_like and self.symbol != "VIX"

    @property
    def is_equity_like(self) -> bool:
        """Served by the equity routes (stocks, ETFs and indices; not futures roots or crypto)."""
        return self.kind in ("etf", "stock", "index")


_s = Spec  # short, for the table below


UNIVERSE: tuple[Spec, ...] = (
    _s("SPY", "SPDR S&P 500 ETF Trust", 600.0, 0.15, 1.0, "etf", div_yield=0.012,
       market_cap_bn=560, liquidity=5, adv_m=60, dailies=True, jump_rate=0.1, jump_size=0.002),
    _s("QQQ", "Invesco QQQ Trust, Series 1", 520.0, 0.19, 1.15, "etf", div_yield=0.006,
       market_cap_bn=320, liquidity=5, adv_m=40, dailies=True, jump_rate=0.1, jump_size=0.0025),
    _s("IWM", "iShares Russell 2000 ETF", 225.0, 0.21, 1.2, "etf", div_yield=0.011,
       market_cap_bn=70, liquidity=5, adv_m=30, jump_rate=0.1),
    _s("DIA", "SPDR Dow Jones Industrial Average ETF Trust", 430.0, 0.14, 0.9, "etf",
       div_yield=0.015, market_cap_bn=35, liquidity=4, adv_m=3, jump_rate=0.1),
    _s("GLD", "SPDR Gold Shares", 245.0, 0.14, 0.05, "etf", market_cap_bn=75, liquidity=4,
       adv_m=8, jump_rate=0.1),
    _s("TLT", "iShares 20+ Year Treasury Bond ETF", 90.0, 0.15, -0.2, "etf", div_yield=0.04,
       market_cap_bn=55, liquidity=4, adv_m=35, jump_rate=0.1),
    _s("XLF", "Financial Select Sector SPDR Fund", 48.0, 0.17, 1.05, "etf", div_yield=0.015,
       market_cap_bn=45, liquidity=4, adv_m=40, jump_rate=0.1),
    _s("SPX", "S&P 500 Index", 6015.0, 0.15, 1.0, "index", div_yield=0.012,
       market_cap_bn=0, liquidity=5, adv_m=0, dailies=True, jump_rate=0.1, jump_size=0.002),
    _s("VIX", "CBOE Volatility Index", 16.0, 0.8, -4.0, "index", liquidity=4, adv_m=0,
       weeklies=False, jump_rate=0.0),
    _s("AAPL", "Apple Inc.", 230.0, 0.25, 1.1, market_cap_bn=3500, liquidity=5, adv_m=55,
       earnings_in_days=24, div_yield=0.0044, shares_bn=15.2, eps=6.6, sector="Technology"),
    _s("MSFT", "Microsoft Corporation", 425.0, 0.24, 1.05, market_cap_bn=3150, liquidity=5,
       adv_m=22, earnings_in_days=26, div_yield=0.0078, shares_bn=7.43, eps=12.1,
       sector="Technology"),
    _s("NVDA", "NVIDIA Corporation", 140.0, 0.50, 1.7, market_cap_bn=3400, liquidity=5,
       adv_m=250, earnings_in_days=5, div_yield=0.0003, shares_bn=24.5, eps=2.5,
       sector="Technology", jump_rate=0.8),
    _s("AMZN", "Amazon.com, Inc.", 205.0, 0.32, 1.25, market_cap_bn=2150, liquidity=5, adv_m=45,
       earnings_in_days=33, shares_bn=10.5, eps=5.5, sector="Consumer Cyclical"),
    _s("GOOGL", "Alphabet Inc. Class A", 175.0, 0.30, 1.05, market_cap_bn=2150, liquidity=5,
       adv_m=30, earnings_in_days=31, div_yield=0.0046, shares_bn=12.2, eps=7.5,
       sector="Communication Services"),
    _s("META", "Meta Platforms, Inc.", 585.0, 0.36, 1.25, market_cap_bn=1480, liquidity=5,
       adv_m=14, earnings_in_days=32, div_yield=0.0034, shares_bn=2.52, eps=21.2,
       sector="Communication Services"),
    _s("TSLA", "Tesla, Inc.", 330.0, 0.60, 2.0, market_cap_bn=1060, liquidity=5, adv_m=95,
       earnings_in_days=30, shares_bn=3.21, eps=3.6, sector="Consumer Cyclical",
       jump_rate=1.0, jump_size=0.008),
    _s("AMD", "Advanced Micro Devices, Inc.", 150.0, 0.48, 1.65, market_cap_bn=243,
       liquidity=5, adv_m=45, earnings_in_days=28, shares_bn=1.62, eps=1.0,
       sector="Technology", jump_rate=0.8),
    _s("NFLX", "Netflix, Inc.", 900.0, 0.38, 1.3, market_cap_bn=385, liquidity=4, adv_m=4,
       earnings_in_days=19, shares_bn=0.428, eps=19.8, sector="Communication Services"),
    _s("JPM", "JPMorgan Chase & Co.", 240.0, 0.22, 1.1, market_cap_bn=675, liquidity=4,
       adv_m=9, earnings_in_days=17, div_yield=0.021, shares_bn=2.81, eps=19.0,
       sector="Financial Services"),
    _s("BAC", "Bank of America Corporation", 45.0, 0.26, 1.3, market_cap_bn=350, liquidity=4,
       adv_m=38, earnings_in_days=17, div_yield=0.023, shares_bn=7.7, eps=3.2,
       sector="Financial Services"),
    _s("XOM", "Exxon Mobil Corporation", 115.0, 0.24, 0.8, market_cap_bn=505, liquidity=4,
       adv_m=16, earnings_in_days=38, div_yield=0.034, shares_bn=4.39, eps=8.0,
       sector="Energy"),
    _s("WMT", "Walmart Inc.", 90.0, 0.20, 0.55, market_cap_bn=725, liquidity=4, adv_m=17,
       earnings_in_days=10, div_yield=0.009, shares_bn=8.03, eps=2.4,
       sector="Consumer Defensive"),
    _s("UNH", "UnitedHealth Group Incorporated", 510.0, 0.30, 0.6, market_cap_bn=470,
       liquidity=4, adv_m=4, earnings_in_days=21, div_yield=0.016, shares_bn=0.92,
       eps=15.5, sector="Healthcare", jump_rate=0.6),
    _s("V", "Visa Inc.", 315.0, 0.20, 0.95, market_cap_bn=610, liquidity=4, adv_m=6,
       earnings_in_days=35, div_yield=0.0075, shares_bn=1.94, eps=10.0,
       sector="Financial Services"),
    _s("COST", "Costco Wholesale Corporation", 925.0, 0.22, 0.8, market_cap_bn=410,
       liquidity=3, adv_m=2, earnings_in_days=14, div_yield=0.005, shares_bn=0.443,
       eps=16.6, sector="Consumer Defensive"),
    _s("KO", "The Coca-Cola Company", 65.0, 0.15, 0.6, market_cap_bn=280, liquidity=4,
       adv_m=14, earnings_in_days=40, div_yield=0.03, shares_bn=4.31, eps=2.5,
       sector="Consumer Defensive"),
    _s("DIS", "The Walt Disney Company", 112.0, 0.28, 1.15, market_cap_bn=203, liquidity=4,
       adv_m=10, earnings_in_days=12, div_yield=0.009, shares_bn=1.81, eps=2.7,
       sector="Communication Services"),
    _s("BA", "The Boeing Company", 170.0, 0.38, 1.35, market_cap_bn=127, liquidity=4,
       adv_m=9, earnings_in_days=36, shares_bn=0.75, eps=-18.0, sector="Industrials",
       jump_rate=0.8),
    _s("INTC", "Intel Corporation", 22.0, 0.45, 1.2, market_cap_bn=95, liquidity=4,
       adv_m=70, earnings_in_days=34, shares_bn=4.33, eps=-4.0, sector="Technology"),
    _s("PLTR", "Palantir Technologies Inc.", 72.0, 0.65, 2.2, market_cap_bn=165, liquidity=5,
       adv_m=80, earnings_in_days=8, shares_bn=2.28, eps=0.2, sector="Technology",
       jump_rate=1.5, jump_size=0.01),
    _s("GME", "GameStop Corp.", 25.0, 0.90, 1.5, market_cap_bn=11, liquidity=4, adv_m=12,
       earnings_in_days=16, weeklies=True, shares_bn=0.447, eps=0.1,
       sector="Consumer Cyclical", jump_rate=3.0, jump_size=0.02),
    _s("COIN", "Coinbase Global, Inc.", 255.0, 0.75, 2.4, market_cap_bn=64, liquidity=4,
       adv_m=10, earnings_in_days=11, shares_bn=0.25, eps=6.0, sector="Financial Services",
       jump_rate=2.0, jump_size=0.012),
    _s("MSTR", "MicroStrategy Incorporated", 350.0, 0.95, 2.8, market_cap_bn=82, liquidity=4,
       adv_m=15, earnings_in_days=9, shares_bn=0.24, eps=-3.0, sector="Technology",
       jump_rate=2.5, jump_size=0.015),
    _s("F", "Ford Motor Company", 10.5, 0.32, 1.2, market_cap_bn=42, liquidity=5, adv_m=60,
       earnings_in_days=45, div_yield=0.057, shares_bn=3.97, eps=1.5, sector="Consumer Cyclical"),
    _s("SPLG", "SPDR Portfolio S&P 500 ETF", 70.5, 0.15, 1.0, "etf", div_yield=0.012,
       market_cap_bn=60, liquidity=4, adv_m=8, jump_rate=0.1, jump_size=0.002),
)

#: Paths of their own for what no listed equity tracks: commodity, rate and currency futures
#: (keyed by the product's root, e.g. "/CL"; each contract is the root's path with its own
#: carry, see exchange.instruments.prices) and crypto pairs (keyed by their streamer symbol,
#: since the pair itself is what streams). Loadings on the equity market factor are small.
ROOTS: tuple[Spec, ...] = (
    _s("/CL", "Crude Oil WTI", 70.0, 0.34, 0.3, "future", liquidity=5, adv_m=0.3, jump_rate=0.4,
       jump_size=0.004, sector="Energy"),
    _s("/NG", "Henry Hub Natural Gas", 3.2, 0.60, 0.1, "future", liquidity=4, adv_m=0.15,
       jump_rate=0.6, jump_size=0.008, sector="Energy"),
    _s("/GC", "Gold", 2650.0, 0.15, 0.05, "future", liquidity=5, adv_m=0.2, jump_rate=0.2,
       jump_size=0.002, sector="Metals"),
    _s("/SI", "Silver", 31.0, 0.28, 0.2, "future", liquidity=4, adv_m=0.06, jump_rate=0.3,
       jump_size=0.004, sector="Metals"),
    _s("/ZN", "10-Year T-Note", 110.5, 0.055, -0.15, "future", liquidity=5, adv_m=1.5,
       jump_rate=0.1, jump_size=0.001, sector="Interest Rates"),
    _s("/ZB", "30-Year T-Bond", 116.0, 0.11, -0.2, "future", liquidity=5, adv_m=0.35,
       jump_rate=0.1, jump_size=0.0015, sector="Interest Rates"),
    _s("/ZF", "5-Year T-Note", 106.5, 0.04, -0.1, "future", liquidity=5, adv_m=0.8,
       jump_rate=0.1, jump_size=0.0008, sector="Interest Rates"),
    _s("/6E", "Euro FX", 1.08, 0.075, 0.1, "future", liquidity=5, adv_m=0.2, jump_rate=0.1,
       jump_size=0.001, sector="Currencies"),
    _s("BTC/USD:CXTALP", "Bitcoin to USD", 95000.0, 0.55, 1.6, "crypto", liquidity=5, adv_m=0.02,
       jump_rate=0.8, jump_size=0.006, sector="Crypto"),
    _s("ETH/USD:CXTALP", "Ethereum to USD", 3400.0, 0.70, 1.9, "crypto", liquidity=5, adv_m=0.3,
       jump_rate=0.9, jump_size=0.008, sector="Crypto"),
    _s("SOL/USD:CXTALP", "Solana to USD", 200.0, 0.90, 2.3, "crypto", liquidity=4, adv_m=2.0,
       jump_rate=1.2, jump_size=0.01, sector="Crypto"),
    _s("LTC/USD:CXTALP", "Litecoin to USD", 100.0, 0.75, 1.7, "crypto", liquidity=4, adv_m=1.0,
       jump_rate=0.8, jump_size=0.008, sector="Crypto"),
    _s("BCH/USD:CXTALP", "Bitcoin Cash to USD", 450.0, 0.80, 1.8, "crypto", liquidity=3,
       adv_m=0.2, jump_rate=0.8, jump_size=0.009, sector="Crypto"),
    _s("DOGE/USD:CXTALP", "Dogecoin to USD", 0.38, 1.00, 2.4, "crypto", liquidity=4, adv_m=300.0,
       jump_rate=1.5, jump_size=0.012, sector="Crypto"),
)

#: every path the market process moves: listed names first, then futures roots and crypto
PATHS: tuple[Spec, ...] = UNIVERSE + ROOTS
#: the listed equities, ETFs and indices (what the equity routes and symbol search serve)
EQUITIES: tuple[Spec, ...] = UNIVERSE

BY_SYMBOL: dict[str, Spec] = {s.symbol: s for s in PATHS}
#: names listed on first use (the S&P 500 and more ETFs; ``instruments.equities`` registers
#: them here and in BY_SYMBOL): they have no path in the vectorised process
EXTRA: dict[str, Spec] = {}


def equity_specs() -> list[Spec]:
    """Every listed stock, ETF and index: the hand-tuned universe, then the lazily listed."""
    return [*UNIVERSE, *EXTRA.values()]
INDEX_OF: dict[str, int] = {s.symbol: i for i, s in enumerate(PATHS)}

#: the risk-free rate the exchange prices with (and serves from the public margin config)
RISK_FREE_RATE = 0.043
