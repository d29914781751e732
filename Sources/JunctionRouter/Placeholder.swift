// Router placeholder.
