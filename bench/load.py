"""Valid, varied complaints for the demo city, and a closed-loop HTTP load of N clients."""

from __future__ import annotations

import asyncio
import csv
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

SEED_DATA = Path(__file__).resolve().parents[1] / "service" / "seed" / "data"
# Leaf categories of the demo catalogue: some go to a unit by a dispatch rule, some wait for
# a dispatcher, so both routing paths are in the mix.
CATEGORIES = (
    "MR.FAKE.TRADEMARK",
    "MR.FAKE.SUBSTANDARD",
    "MR.FAKE.FOOD",
    "MR.PRICE.GOUGING",
    "SO.STALL.VENDOR",
    "SO.STALL.BBQ",
    "SO.POSTING.FLYER",
    "LA.WAGE.MIGRANT",
    "EL.CARE.HOME",
    "MI.VENUE.NETCAFE",
)
PLACES = ("小区门口", "菜市场旁边", "学校附近", "公交站台", "商场一楼", "路口东侧", "超市里")
PROBLEMS = (
    "有人卖假冒名牌运动鞋",
    "卖的食品没有生产日期",
    "商家缺斤短两",
    "每天晚上烧烤摊占道经营，油烟很大",
    "电线杆上贴满了小广告",
    "流动摊贩堵住了人行道",
    "网吧让未成年人进入",
    "工资拖欠了三个月还没发",
    "居家养老服务上门不及时",
    "价格比标价高出很多",
)
DETAILS = (
    "已经持续一周了。",
    "附近居民意见很大。",
    "希望有关部门尽快处理。",
    "之前反映过一次，没有改善。",
    "晚上十点以后还在继续。",
)


def _streets() -> list[tuple[str, str]]:
    with (SEED_DATA / "areas.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [(r["parent_code"], r["code"]) for r in rows if r["level"] == "street"]


STREETS = _streets()


def complaint(rng: random.Random) -> dict[str, Any]:
    """One valid complaint for POST /api/v1/complaints: leaf category, district and street."""
    district, street = rng.choice(STREETS)
    place, problem = rng.choice(PLACES), rng.choice(PROBLEMS)
    body: dict[str, Any] = {
        "type": "complaint",
        "category": rng.choice(CATEGORIES),
        "title": f"{place}{problem}"[:60],
        "description": f"{place}{problem}，{rng.choice(DETAILS)}{rng.choice(DETAILS)}",
        "district": district,
        "street": street,
    }
    if rng.random() < 0.5:
        body["anonymous"] = True
    else:
        body["name"] = rng.choice(("王女士", "李先生", "张师傅", "刘阿姨"))
        body["phone"] = f"139{rng.randrange(10**8):08d}"
    return body


@dataclass
class Result:
    """What a load run saw: latencies of the answered requests and counts by outcome."""

    seconds: float
    server_cpu_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    numbers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return self.outcomes["201"]

    def figures(self) -> dict[str, Any]:
        cuts = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0] * 99
        return {
            "requests_per_s": round(self.ok / self.seconds, 1),
            "created": self.ok,
            "p50_ms": round(cuts[49] * 1000, 1),
            "p95_ms": round(cuts[94] * 1000, 1),
            "p99_ms": round(cuts[98] * 1000, 1),
            "errors": {k: v for k, v in sorted(self.outcomes.items()) if k != "201"},
            # The server's own CPU per answered request, whatever else the machine ran.
            "server_cpu_ms_per_request": round(
                1000 * self.server_cpu_seconds / max(1, sum(self.outcomes.values())), 2
            ),
        }


async def drive(
    base_url: str,
    path: str,
    make_body: Callable[[random.Random], dict[str, Any]],
    *,
    clients: int,
    seconds: float,
    seed: int = 0,
) -> Result:
    """`clients` connections each POST, wait for the answer, and POST again, for `seconds`."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    result = Result(seconds=seconds)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0) as client:
        deadline = time.monotonic() + seconds

        async def one_client(index: int) -> None:
            rng = random.Random(seed * 1000 + index)
            while time.monotonic() < deadline:
                body = make_body(rng)
                started = time.perf_counter()
                try:
                    response = await client.post(path, json=body)
                except httpx.TransportError as exc:
                    result.outcomes[type(exc).__name__] += 1
                    continue
                result.latencies.append(time.perf_counter() - started)
                result.outcomes[str(response.status_code)] += 1
                if response.status_code == 201 and "number" in response.text:
                    result.numbers.append(response.json()["number"])

        started = time.monotonic()
        await asyncio.gather(*(one_client(i) for i in range(clients)))
        result.seconds = time.monotonic() - started
    return result
