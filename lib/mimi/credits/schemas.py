"""Credits payloads."""

from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field

from mimi.model import Model


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


# A strict integer that also takes 5.0, which JSON Schema's `integer` (the document's type) allows; never "5" or true.
JsonInt = Annotated[int, BeforeValidator(_whole), Field(strict=True)]


class WalletPublic(Model):
    """The caller's balances and progress, as every credit operation returns them."""

    stars: int = Field(description="Bought stars; a reading spends free points first, then stars.")
    free_points: int = Field(description="Free reading points (welcome bonus, rewards).")
    coins: int = Field(
        description="Coins earned by readings, reviews and check-ins; exchanged for stars."
    )
    exp: int
    level: int
    streak: int = Field(description="Consecutive daily check-ins.")
    last_check_in: date | None = Field(
        description="The last check-in day (Bangkok time), null before the first."
    )
    frozen: bool = Field(description="An admin froze the wallet: nothing can be spent.")
    next_level_exp: int = Field(description="The exp at which the next level starts.")


class Reward(Model):
    """What an action earned."""

    coin: int
    exp: int


class ExchangeCreate(Model):
    model_config = ConfigDict(extra="forbid")

    stars: JsonInt = Field(ge=1, le=100000, description="How many stars to buy with coins.")


class ExchangePublic(Model):
    stars_bought: int
    coins_spent: int
    wallet: WalletPublic


class CheckInPublic(Model):
    day: date
    streak: int
    reward: Reward
    wallet: WalletPublic


class ReferralSummary(Model):
    """The caller's referral code and what it has earned so far."""

    code: str
    invited_count: int
    rewarded_count: int
    coins_earned: int


class ReferralPublic(Model):
    code: str
    share_link: str
    invited_count: int
    rewarded_count: int
    coins_earned: int
