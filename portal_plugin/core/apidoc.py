"""What an API route takes and answers, declared beside it for the generated OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

F = TypeVar("F", bound=Callable[..., Any])

JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# An answer's content: a pydantic model (sent as JSON) or the media type of a file.
Content = type[BaseModel] | str


@dataclass(frozen=True)
class ApiDoc:
    """One route's declaration; the generator adds paths, permissions and implied errors."""

    query: type[BaseModel] | None = None
    # Describes path parameters beyond what the rule's converter says (e.g. an enum of names).
    path: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    # The body is a multipart form (a file upload) rather than JSON.
    form: bool = False
    response: tuple[Content, ...] = ()
    status: int = 200
    # Refusals the declaration does not imply: 409 (state, version, duplicates), 413, 422
    # from a service check on a route without body or query.
    errors: tuple[int, ...] = ()


def documents(*, query: type[BaseModel] | None = None, path: type[BaseModel] | None = None,
              body: type[BaseModel] | None = None, form: bool = False,
              response: Content | tuple[Content, ...] | None = None, status: int = 200,
              errors: tuple[int, ...] = ()) -> Callable[[F], F]:
    """Record what an API view takes and answers on the view (the document reads it)."""
    answers = () if response is None else response if isinstance(response, tuple) else (response,)
    doc = ApiDoc(query=query, path=path, body=body, form=form, response=answers, status=status,
                 errors=errors)

    def decorator(view: F) -> F:
        view.hrm_apidoc = doc  # type: ignore[attr-defined]
        return view

    return decorator


def declaration(view: Callable[..., Any]) -> ApiDoc | None:
    """The view's declaration, or None when it has none."""
    return getattr(view, "hrm_apidoc", None)
