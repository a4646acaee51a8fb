"""The API root's objects: the code catalogue."""

from pydantic import BaseModel, ConfigDict, create_model

from portal_plugin.core import catalog
from portal_plugin.core.schemas import Answer


class Code(Answer):
    """A code with its Chinese label."""

    code: str
    label: str


# One list per catalogue kind (named in the plural), and the current districts.
Catalog = create_model("Catalog", __base__=Answer, __doc__="Every code with its Chinese label.",
                       **{name: (list[Code], ...)
                          for name in (*(f"{kind}s" for kind in catalog.KINDS), "divisions")})


class OpenApiDocument(BaseModel):
    """This document (OpenAPI 3.1)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
