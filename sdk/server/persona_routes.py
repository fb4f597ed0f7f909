"""The persona API: the people behind ``user``, their history, profile and settings.

Every route needs a token that reaches the user it names (403 otherwise, the same whether or
not that user exists). Writes go through the Personalizer, whose lock and the store's single
writer serialise them: concurrent clients lose nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from ..preferences import SPACE
from ..store import TokenGrant
from .errors import SLASHED_NAME, APIError

if TYPE_CHECKING:
    from ..protocols import ServedPersonalizer

__all__ = ["router"]

router = APIRouter(prefix="/v1/users", tags=["Persona"])
UserPath = Path(..., description="the user's name", max_length=256)


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=256)


class CommentIn(BaseModel):
    prompt: str = Field("", description="what the user was replying to")
    comment: str = Field(description="what the user wrote")


class ChoiceIn(BaseModel):
    prompt: str
    chosen: str = Field(description="the answer the user preferred")
    rejected: str = Field(description="the answer the user turned down")


class DescriptionIn(BaseModel):
    text: str = Field(description="how the user describes themselves")


class DimensionIn(BaseModel):
    value: float | None = Field(None, description="0, 0.5 or 1; leave out when the dimension is named by a label")
    locked: bool = Field(False, description="lock (inference never changes it) rather than override "
                                            "(until new history arrives)")


class StrengthIn(BaseModel):
    strength: float = Field(ge=0.0, le=2.0, description="steering strength, 0 (off) .. 2; default 1")


def _user(request: Request, user: str = UserPath) -> str:
    """The path's user, once the token is checked against them."""
    if b"%2f" in request.scope.get("raw_path", b"").lower():
        # The path was decoded before routing, so a name's encoded '/' made it another route:
        # DELETE /v1/users/ada%2Fdimensions%2F5 (forget "ada/dimensions/5") would clear ada's
        # dimension 5. No route part legitimately holds one.
        raise APIError(400, SLASHED_NAME, "invalid_user_name", param="user")
    state = request.app.state
    grant = state.auth.grant(request)
    state.auth.require_user(grant, user)
    return user


def _grant(request: Request) -> TokenGrant:
    grant: TokenGrant = request.app.state.auth.grant(request)
    return grant


def _p(request: Request) -> "ServedPersonalizer":
    personalizer: ServedPersonalizer = request.app.state.personalizer
    return personalizer


@router.get("", summary="The users this token reaches")
def list_users(request: Request, grant: TokenGrant = Depends(_grant)) -> dict[str, Any]:
    users: list[str] = request.app.state.auth.visible(grant, _p(request).users())
    return {"users": users}


@router.post("", summary="Create a user (tokens for all users only)")
def create_user(body: NewUser, request: Request, grant: TokenGrant = Depends(_grant)) -> dict[str, Any]:
    if not grant.all_users:
        raise APIError(403, "only a token for all users may create users", "user_not_allowed")
    return {"user": body.name, "created": _p(request).add_user(body.name)}


@router.delete("/{user}", summary="Forget a user: every item, profile and setting, crypto-shredded")
def forget_user(request: Request, user: str = Depends(_user)) -> dict[str, Any]:
    return {"user": user, "forgotten": _p(request).forget(user)}


@router.post("/{user}/comments", summary="Record something the user wrote")
def add_comment(body: CommentIn, request: Request, user: str = Depends(_user)) -> dict[str, Any]:
    return {"user": user, "id": _p(request).record_comment(user, body.prompt, body.comment)}


@router.post("/{user}/choices", summary="Record that the user preferred one answer to another")
def add_choice(body: ChoiceIn, request: Request, user: str = Depends(_user)) -> dict[str, Any]:
    return {"user": user, "id": _p(request).record_choice(user, body.prompt, body.chosen, body.rejected)}


@router.post("/{user}/descriptions", summary="Record how the user describes themselves")
def add_description(body: DescriptionIn, request: Request, user: str = Depends(_user)) -> dict[str, Any]:
    return {"user": user, "id": _p(request).record_description(user, body.text)}


@router.get("/{user}/profile", summary="The user's profile, each dimension with its source and evidence")
def get_profile(request: Request, user: str = Depends(_user),
                top: int = Query(90, ge=0, le=90, description="explain at most this many dimensions")) -> dict[str, Any]:
    return profile_document(_p(request), user, top)


@router.put("/{user}/dimensions/{dim}", summary="Override or lock one dimension (index or label)")
def set_dimension(body: DimensionIn, request: Request, user: str = Depends(_user),
                  dim: str = Path(..., description="a dimension index 0..89 or a label")) -> dict[str, Any]:
    p = _p(request)
    (p.lock if body.locked else p.override)(user, dim, body.value)
    index = SPACE.resolve(dim, body.value)[0]
    return {"user": user, "dimension": index, "source": "locked" if body.locked else "override"}


@router.delete("/{user}/dimensions/{dim}", summary="Remove an override or lock from one dimension")
def clear_dimension(request: Request, user: str = Depends(_user), dim: str = Path(...)) -> dict[str, Any]:
    index = SPACE.resolve(dim, needs_value=False)[0]
    return {"user": user, "dimension": index, "cleared": _p(request).clear(user, dim)}


@router.get("/{user}/strength", summary="The user's steering strength")
def get_strength(request: Request, user: str = Depends(_user)) -> dict[str, Any]:
    return {"user": user, "strength": _p(request).strength(user)}


@router.put("/{user}/strength", summary="Set the user's steering strength (0 off .. 2; default 1)")
def put_strength(body: StrengthIn, request: Request, user: str = Depends(_user)) -> dict[str, Any]:
    p = _p(request)
    p.set_strength(user, body.strength)
    return {"user": user, "strength": p.strength(user)}


def profile_document(p: "ServedPersonalizer", user: str, top: int = 90) -> dict[str, Any]:
    """The profile as JSON: its text, the steering strength, and per dimension the value,
    label, confidence, source and, for the ``top`` explained, the history items that moved it
    (strongest first). The profile is computed and the overrides read once for all of it."""
    view = p.view(user, top)
    return {"user": user, "text": view.profile.to_text(), "strength": view.strength,
            "dimensions": view.rows(evidence=True)}
