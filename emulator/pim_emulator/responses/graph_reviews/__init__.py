"""Handlers of the access reviews routes (``routes/graph_reviews.py``): Graph v1.0
``identityGovernance/accessReviews/definitions`` with their instances and decisions, on the tenant's engine and
the model in ``pim/access_reviews.py``."""
