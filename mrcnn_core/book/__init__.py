"""The book's machinery, apart from the method: the pages' helpers
(:mod:`.notebook`: ``page_setup``, ``record``, papermill runs), the figures and
tables (:mod:`.figures`, :mod:`.plots`) and the build (:mod:`.build`)."""
