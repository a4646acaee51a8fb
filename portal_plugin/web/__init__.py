"""The web face: portal hooks, the workbench, error pages, request hooks, the API root and
the OpenAPI document."""
