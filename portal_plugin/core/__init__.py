"""The ground floor: database, shared models, errors, clock, paging, access, catalogue, audit,
validation, Excel helpers, configuration and seed. It imports nothing else of ours."""
