from __future__ import annotations

import numpy as np


def test_span_vectors_come_from_the_same_pass_as_the_text_vectors(encoder):
    texts = ["Harbour news\nThe ferry leaves at seven. Shops open late.", "Fishing boats."]
    spans = [[(13, 39), (40, 56)], [(0, 14)]]
    whole, pooled = encoder.encode_with_spans(texts, spans, progress=False)
    assert np.allclose(whole, encoder.encode(texts, progress=False), atol=1e-5)
    assert pooled.shape == (3, whole.shape[1]) and pooled.dtype == np.float16
    assert np.allclose(np.linalg.norm(pooled.astype(np.float32), axis=1), 1.0, atol=1e-2)
    ferry, shops = encoder.encode(["When does the ferry leave?", "Are shops open?"])
    assert pooled[0].astype(np.float32) @ ferry > pooled[1].astype(np.float32) @ ferry
    assert pooled[1].astype(np.float32) @ shops > pooled[0].astype(np.float32) @ shops


def test_a_span_cut_off_by_the_length_limit_gets_its_texts_vector(encoder):
    text = "word " * 600
    whole, pooled = encoder.encode_with_spans([text], [[(0, 4), (2900, 2999)]], progress=False)
    assert np.allclose(pooled[1].astype(np.float32), whole[0], atol=1e-2)
    assert not np.allclose(pooled[0].astype(np.float32), whole[0], atol=1e-3)


def test_encoding_matches_sentence_transformers_own_encode(encoder):
    # encode() calls the tokenizer and modules directly (faster per question); it must
    # give what the library's encode() gives, for short and truncated texts alike.
    texts = ["Who invested in Pateo?", "Harbour news\nThe ferry leaves at seven.", "word " * 600]
    library = encoder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert np.allclose(encoder.encode(texts, progress=False), library, atol=1e-5)
