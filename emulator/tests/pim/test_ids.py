from pim_emulator.pim.ids import b64_pair, decode_pair, instance_id

# Samples of Graph's List role*ScheduleInstances pages: the role halves are known, so the encoder must reproduce them.
DOC_ELIG = "8MYkhImhnkm70CbBdTyW1BbHHAdHgZdDpbqyEFlRzAs-1-e"
DOC_ACTIVE = "lAPpYvVpN0KRkAEhdxReEAWz5Gtet_xOv8wxvTtTpfg-1"


def test_doc_sample_ids_round_trip():
    role, principal = decode_pair(DOC_ELIG.split("-")[0])
    assert role == "8424c6f0-a189-499e-bbd0-26c1753c96d4"  # Attribute Definition Administrator
    assert principal.startswith("071cc716")  # the doc sample's principal
    assert instance_id(role, principal, eligible=True) == DOC_ELIG
    role, principal = decode_pair(DOC_ACTIVE.split("-")[0])
    assert role == "62e90394-69f5-4237-9190-012177145e10"  # Global Administrator
    assert instance_id(role, principal) == DOC_ACTIVE


def test_encoding_has_no_padding_and_is_urlsafe():
    enc = b64_pair("62e90394-69f5-4237-9190-012177145e10", "ffffffff-ffff-ffff-ffff-fffffffffffe")
    assert len(enc) == 43 and "=" not in enc and "+" not in enc and "/" not in enc
