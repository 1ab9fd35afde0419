"""Plain Starlette endpoints mounted beside the Reflex app (see ``rxapp.api.files.routes``)."""
