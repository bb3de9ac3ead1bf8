"""One module per console page (or pair of pages): its routes and the values its template
shows."""
