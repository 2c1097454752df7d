"""HTTP edges: the WeChat callback, health and metrics, and (later) the admin REST API."""
