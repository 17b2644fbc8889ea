"""The web platform: FastAPI, Jinja2 templates, HTMX, Plotly.js; in Kazakh, Russian and English."""
