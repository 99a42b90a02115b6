"""Handlers, one package per emulated API (moto's ``responses.py``): read the request, call the models, shape
the answer. They never route (``routes/`` does) and hold no state (the models in ``pim/`` and ``directory``
do)."""
