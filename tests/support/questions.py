"""Questions the tests ask of ``seeds/``."""

#: A question the seeds answer, and one they do not.
ANSWERABLE = "Who invested in Pateo?"
UNANSWERABLE = "How do I bake sourdough bread?"
