"""Settings come from the environment (prefix CIVIC_); production refuses the default secret."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-dev-only-secret"  # noqa: S105 - the known default that prod refuses


class Env(StrEnum):
    DEV = "dev"
    TEST = "test"
    PROD = "prod"


class Settings(BaseSettings):
    """Every tunable of the service; read once at start-up and passed down explicitly."""

    model_config = SettingsConfigDict(env_prefix="CIVIC_", env_file=None, extra="ignore")

    env: Env = Env.DEV
    data_dir: Path = Path("./var")
    database_url: str = ""
    secret_key: str = DEFAULT_SECRET
    timezone: str = "Asia/Shanghai"
    city_code: str = "BT"
    city_name_zh: str = "包头市"
    city_name_en: str = "Baotou"
    hotline_number: str = "12345"
    default_locale: str = "zh_CN"
    sql_echo: bool = False
    # How long a request waits for SQLite's write turn or a pooled connection before it
    # answers 503 with Retry-After (nothing written; the client sends it again).
    database_busy_seconds: float = Field(default=10.0, gt=0, le=120)

    # Citizen portal limits (the portal issue reads these).
    upload_max_files: int = Field(default=5, ge=0, le=20)
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    reopen_window_days: int = Field(default=30, ge=0)
    rate_limit_per_ip_per_hour: int = Field(default=20, ge=1)
    rate_limit_per_phone_per_day: int = Field(default=10, ge=1)
    # Wrong number/access-code pairs per client address per hour, against guessing codes.
    rate_limit_lookups_per_ip_per_hour: int = Field(default=30, ge=1)
    # How long a track-page link (and the attachment links on it) stays valid.
    track_link_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # "Someone reported this already": open tickets this recent in the same street and category.
    similar_report_days: int = Field(default=30, ge=1)

    # Deadline engine: a clock turns yellow when the smaller of these is left (working time);
    # public criticism (通报) follows the supervision notice after N more working days.
    due_soon_working_hours: float = Field(default=24.0, gt=0)
    due_soon_share: float = Field(default=0.2, gt=0, lt=1)
    criticism_after_working_days: int = Field(default=3, ge=1)
    # Routing: a model suggestion at or above this score dispatches without a dispatcher.
    routing_auto_confidence: float = Field(default=0.9, ge=0.0, le=1.0)
    # Webhooks to units' systems: per-request timeout, back-off cap, disable after N failures.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_backoff_cap_minutes: int = Field(default=360, ge=1)
    webhook_disable_after: int = Field(default=10, ge=1)
    # The address citizens reach the site at; links in e-mail and SMS (survey links) start here.
    public_url: str = "http://127.0.0.1:8000"
    # E-mail goes out over SMTP only when a host is set (without one: logged, in dev/test only).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_from: str = "12345@example.invalid"
    # A failed e-mail is retried after 2, 4, 8 ... minutes (at most the cap), this many times.
    outbox_max_attempts: int = Field(default=10, ge=1)
    outbox_backoff_cap_minutes: int = Field(default=360, ge=1)

    # Callbacks and supervision (issue 7).
    callback_max_attempts: int = Field(default=3, ge=1, le=10)
    survey_link_days: int = Field(default=14, ge=1)
    # Direct answers (直办) are called back on a sample, not all: hotlines commonly sample
    # 20-30 % of them, since the operator's answer is checked by the caller on the spot and
    # calling every one back would take the operators the full callback workload again.
    direct_answer_sample_share: float = Field(default=0.3, ge=0, le=1)
    # An unsampled direct answer closes this long after it was given (the citizen may still
    # call again, which files a new ticket).
    direct_answer_close_after_days: int = Field(default=3, ge=0)
    # Weight of "partly resolved" and "basically satisfied" answers in the two rates.
    metrics_w_partly: float = Field(default=0.5, ge=0, le=1)
    metrics_w_basic: float = Field(default=0.8, ge=0, le=1)
    metrics_min_sample: int = Field(default=10, ge=1)
    # Composite weights (response, resolution, satisfaction) per unit class; others use default.
    composite_weights_default: tuple[float, float, float] = (10, 35, 35)
    composite_weights: dict[str, tuple[float, float, float]] = Field(default_factory=dict)
    # Timeliness in the composite (on-time sign-for, on-time closure), per unit class likewise:
    # with the defaults above the five weights add up to 100.
    timeliness_weights_default: tuple[float, float] = (5, 15)
    timeliness_weights: dict[str, tuple[float, float]] = Field(default_factory=dict)
    # Points taken off the composite for each public criticism (通报) of the unit in the period.
    criticism_points: float = Field(default=2.0, ge=0, le=100)
    # Red flag: low in each of red_flag_months periods running; low is under the threshold, or
    # in the bottom share of a league with at least red_flag_min_league ranked units (so the
    # only unit of a small league is never "persistently low" for being last).
    red_flag_threshold: float = Field(default=80.0, ge=0, le=100)
    red_flag_months: int = Field(default=2, ge=1)
    red_flag_bottom_share: float = Field(default=0.25, ge=0, le=1)
    red_flag_min_league: int = Field(default=4, ge=2)
    hot_topic_weeks: int = Field(default=8, ge=2)
    hot_topic_min_count: int = Field(default=5, ge=1)
    hot_topic_sigmas: float = Field(default=2.0, ge=0)
    # Hot clusters of similar texts (service/supervision/text_clusters.py states the rule): the
    # last seven days against the weeks before, at most max_tickets read per week.
    topic_cluster_weeks: int = Field(default=4, ge=2, le=26)
    topic_cluster_max_tickets: int = Field(default=20_000, ge=100, le=200_000)
    topic_cluster_similarity: float = Field(default=0.5, gt=0, lt=1)
    topic_cluster_min_count: int = Field(default=5, ge=2)
    topic_cluster_min_requesters: int = Field(default=3, ge=1)
    topic_cluster_rise: float = Field(default=2.0, ge=1)

    # Staff sessions and sign-in throttling (the hotline issue).
    session_max_age_hours: int = Field(default=12, ge=1, le=24 * 7)
    session_idle_minutes: int = Field(default=60, ge=5)
    login_failure_window_minutes: int = Field(default=15, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    # The telephony feed posts batches; a body larger than this is refused with 413.
    calls_api_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)

    @model_validator(mode="after")
    def _refuse_default_secret_in_prod(self) -> Settings:
        if self.env is Env.PROD and (
            self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "CIVIC_SECRET_KEY must be set to a random value of at least 32 characters "
                "when CIVIC_ENV=prod"
            )
        ZoneInfo(self.timezone)  # fail at start-up on an unknown zone, not on the first page
        return self

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'civic.db').resolve()}"

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_prod(self) -> bool:
        return self.env is Env.PROD


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides winning (tests use these)."""
    return Settings(**overrides)  # type: ignore[arg-type]
