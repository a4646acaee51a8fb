"""The API root's objects: the code catalogue."""

from pydantic import BaseModel, ConfigDict, Field, create_model

from portal_plugin.core import catalog
from portal_plugin.core.schemas import Answer


class Code(Answer):
    """A code with its Chinese label."""

    code: str
    label: str


# One list per catalogue kind (named in the plural), and the current districts.
class MaterialKind(Code):
    """A material an application of the workflow's procedure carries."""

    required: bool


Catalog = create_model(
    "Catalog", __base__=Answer, __doc__="Every code with its Chinese label.",
    **{name: (list[Code], ...) for name in (*(f"{kind}s" for kind in catalog.KINDS), "divisions")},
    materials=(dict[str, dict[str, list[MaterialKind]]],
               Field(description="per workflow, per procedure (ordinary / commitment): the "
                                 "application materials")))


class OpenApiDocument(BaseModel):
    """This document (OpenAPI 3.1)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
