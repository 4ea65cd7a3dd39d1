"""Open311 GeoReport v2: the city's services and requests for existing civic apps and libraries."""
