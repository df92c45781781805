from __future__ import annotations

import numpy as np
import pytest

from retrieval import Encoder
from retrieval.config import DEFAULT_MODEL


def test_span_vectors_come_from_the_same_pass_as_the_text_vectors(encoder):
    texts = ["Harbour news\nThe ferry leaves at seven. Shops open late.", "Fishing boats."]
    spans = [[(13, 39), (40, 56)], [(0, 14)]]
    whole, pooled = encoder.encode_with_spans(texts, spans, progress=False)
    # The same vectors as encode() gives (for onnx, indexing's OpenVINO pass and the
    # questions' ONNX Runtime one agree within cosine 0.9999).
    assert np.min(np.sum(whole * encoder.encode(texts, progress=False), axis=1)) >= 0.9999
    assert pooled.shape == (3, whole.shape[1]) and pooled.dtype == np.float16
    assert np.allclose(np.linalg.norm(pooled.astype(np.float32), axis=1), 1.0, atol=1e-2)
    ferry, shops = encoder.encode(["When does the ferry leave?", "Are shops open?"])
    assert pooled[0].astype(np.float32) @ ferry > pooled[1].astype(np.float32) @ ferry
    assert pooled[1].astype(np.float32) @ shops > pooled[0].astype(np.float32) @ shops


def test_a_text_longer_than_the_model_reads_is_read_in_windows(encoder):
    """A passage past 256 word pieces (a whole section of 1,500 characters): its last
    sentence, which one window would cut off, is pooled from the next window, and the
    passage's vector is the mean of its windows', so it knows its end too."""
    harbour = " ".join(f"Berth {n} of the harbour takes boats up to {n} metres." for n in range(60))
    cat = "The lighthouse keeper feeds a grey cat called Pixel every evening."
    text = f"{harbour} {cat}"
    spans = [(0, 50), (len(harbour) + 1, len(text))]
    whole, pooled = encoder.encode_with_spans([text], [spans], progress=False)
    [truncated] = encoder.encode([text], progress=False)  # one window, as before
    [question] = encoder.encode(["Who feeds the cat at the lighthouse?"], progress=False)
    last = pooled[1].astype(np.float32)
    assert not np.allclose(last, whole[0], atol=1e-2)  # its own vector, not the text's
    assert last @ question > whole[0] @ question + 0.2
    assert whole[0] @ question > truncated @ question
    assert np.isclose(np.linalg.norm(whole[0]), 1.0, atol=1e-5)


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_encoding_matches_sentence_transformers_own_encode(backend: str) -> None:
    # encode() calls the tokenizer and modules directly (faster per question), or the
    # model's ONNX graph; it must give what the library's encode() gives, for short and
    # truncated texts alike.
    texts = ["Who invested in Pateo?", "Harbour news\nThe ferry leaves at seven.", "word " * 600]
    library = Encoder(DEFAULT_MODEL, backend="torch").model
    expected = library.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    encoder = Encoder(DEFAULT_MODEL, backend=backend)
    assert np.allclose(encoder.encode(texts, progress=False), expected, atol=1e-5)
