"""One module per area of the site: auth, api, pages."""
