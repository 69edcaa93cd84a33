"""The Embeddings tab over GloVe: analogies GloVe is known to answer, inputs left out, our PCA
equals scikit-learn's, MiniLM puts paraphrases together; its API; the browser in both
languages (the Spanish page starts on the multilingual space). The multilingual space's own
tests: test_embeddings_spanish.py."""
import json

import numpy as np
import pytest
from gradio_client.exceptions import AppError

from playground import backends
from playground.text import embeddings, embeddings_figures, sentences as sentence_lesson
from playground.text.embeddings import Term
from playground.core.errors import UserError
from tests.conftest import screenshot


@pytest.fixture(scope="module")
def glove():
    return backends.get("glove")


# --- parsing -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, terms", [
    ("king - man + woman", [(1, "king"), (-1, "man"), (1, "woman")]),
    ("King − Man + Woman", [(1, "king"), (-1, "man"), (1, "woman")]),
    ("-man +woman", [(-1, "man"), (1, "woman")]),
    ("paris-france", [(1, "paris-france")]),                  # a hyphen inside is a word's
    ("e-mail - mail+ letter", [(1, "e-mail"), (-1, "mail"), (1, "letter")]),
])
def test_parse(text, terms):
    assert embeddings.parse(text) == tuple(Term(s, w) for s, w in terms)


@pytest.mark.parametrize("text", ["king + - man", "king man", "king -", "+", "- -", "a + b + c + d + e + f + g + h + i"])
def test_parse_rejects_malformed_expressions(text):
    with pytest.raises(UserError):
        embeddings.parse(text)


# --- arithmetic --------------------------------------------------------------------------------

@pytest.mark.parametrize("expression, answer", [
    ("king - man + woman", "queen"),          # Mikolov et al., 2013
    ("paris - france + italy", "rome"),
    ("walked - walk + swim", "swam"),
    ("tokyo - japan + spain", "madrid"),
    ("actor - man + woman", "actress"),
    ("better - good + bad", "worse"),
])
def test_known_analogies(expression, answer):
    result = embeddings.arithmetic(embeddings.parse(expression), 10)
    assert result.neighbours[0][0] == answer


def test_every_preset_answers_its_expected_word():
    expected = {"royalty": "queen", "capital": "rome", "verb": "swam", "madrid": "madrid",
                "actress": "actress", "worse": "worse", "took": "took", "children": "children",
                "winter": "winter", "composer": "debussy"}
    for key, expression in embeddings.presets()["arithmetic"].items():
        assert embeddings.arithmetic(embeddings.parse(expression), 3).neighbours[0][0] == expected[key]


def test_inputs_are_excluded_and_scores_are_cosines_over_the_whole_vocabulary(glove):
    from sklearn.metrics.pairwise import cosine_similarity

    result = embeddings.arithmetic(embeddings.parse("king - man + woman"), 5)
    assert not {"king", "man", "woman"} & {w for w, _ in result.neighbours}
    raw = glove.unit * glove.norms[:, None]                          # the original vectors
    target = raw[glove.index["king"]] - raw[glove.index["man"]] + raw[glove.index["woman"]]
    cos = cosine_similarity(target[None], raw)[0]
    cos[[glove.index[w] for w in ("king", "man", "woman")]] = -np.inf
    best = np.argsort(-cos)[:5]
    assert [w for w, _ in result.neighbours] == [glove.words[i] for i in best]
    assert [s for _, s in result.neighbours] == pytest.approx(cos[best], abs=1e-5)
    assert result.neighbours[0][1] == pytest.approx(0.861, abs=1e-3)


def test_similar_words_exclude_the_word():
    neighbours = embeddings.similar("frog", 6)
    assert "frog" not in [w for w, _ in neighbours] and "toad" in [w for w, _ in neighbours]


def test_unknown_word_gets_the_closest_spellings():
    with pytest.raises(UserError) as err:
        embeddings.arithmetic(embeddings.parse("queeen - woman + man"), 5)
    assert err.value.key == "embeddings_error_oov" and "queen" in err.value.values["close"]
    with pytest.raises(UserError) as err:
        embeddings.similar("zzqxzzqxzz")
    assert err.value.key == "embeddings_error_oov_none"


def test_a_sum_of_zero_is_a_clear_error():
    with pytest.raises(UserError, match="embeddings_error_zero"):
        embeddings.arithmetic(embeddings.parse("king - king"), 5)


# --- PCA against scikit-learn -------------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 3])
def test_pca_equals_scikit_learns(glove, n):
    from sklearn.decomposition import PCA

    words = ["king", "queen", "man", "woman", "paris", "rome", "france", "italy", "frog", "toad"]
    X = np.stack([glove.vector(w) for w in words]).astype(np.float64)
    ours, ref = embeddings.pca(X, n), PCA(n_components=n).fit(X)
    signs = np.sign(np.sum(ours.components * ref.components_, axis=1))   # up to sign
    assert np.all(signs != 0)
    np.testing.assert_allclose(ours.components, ref.components_ * signs[:, None], atol=1e-6)
    np.testing.assert_allclose(ours.projections, ref.transform(X) * signs, atol=1e-5)
    np.testing.assert_allclose(ours.explained_ratio, ref.explained_variance_ratio_, atol=1e-8)
    np.testing.assert_allclose(ours.project(X[:2]), ours.projections[:2], atol=1e-9)


def test_pca_with_fewer_points_than_axes():
    p = embeddings.pca(np.eye(2, 5), 3)
    assert p.projections.shape == (2, 3) and np.allclose(p.projections[:, 1:], 0)


# --- figures ----------------------------------------------------------------------------------

def test_analogy_figure_draws_the_parallel_offsets_and_translations():
    answer = embeddings.arithmetic(embeddings.parse("king - man + woman"), 8)
    fig = embeddings_figures.arithmetic_figure(answer, ("prince",), 2, "es").to_dict()
    labels = [label for trace in fig["data"] for label in trace.get("text", [])]
    assert {"king (rey)", "man (hombre)", "woman (mujer)", "queen (reina)", "prince (príncipe)"} <= set(labels)
    arrows = fig["layout"]["annotations"]
    assert len(arrows) == 2                                   # man -> woman, king -> queen
    d1 = np.array([arrows[0]["x"] - arrows[0]["ax"], arrows[0]["y"] - arrows[0]["ay"]])
    d2 = np.array([arrows[1]["x"] - arrows[1]["ax"], arrows[1]["y"] - arrows[1]["ay"]])
    assert d1 @ d2 / np.linalg.norm(d1) / np.linalg.norm(d2) > 0.8   # nearly parallel
    assert "varianza" in fig["layout"]["xaxis"]["title"]["text"]
    fig3 = embeddings_figures.arithmetic_figure(answer, (), 3, "en").to_dict()
    assert fig3["layout"]["scene"]["zaxis"]["title"]["text"].startswith("PC3 (")
    assert any(trace["type"] == "cone" for trace in fig3["data"])


# --- sentences -----------------------------------------------------------------------------------

def test_paraphrases_are_closer_than_other_sentences():
    sentences = tuple(embeddings.presets()["sentences"]["paraphrases"])
    heat, scatter, cos = sentence_lesson.sentence_figures(sentences, "en", "minilm")
    ratio = embeddings.pca(sentence_lesson.sentence_vectors(sentences, "minilm"), 2).explained_ratio
    axes = scatter.to_dict()["layout"]
    assert f"({100 * ratio[0]:.0f}% of the variance)" in axes["xaxis"]["title"]["text"]
    assert f"({100 * ratio[1]:.0f}% of the variance)" in axes["yaxis"]["title"]["text"]
    np.testing.assert_allclose(np.diag(cos), 1.0, atol=1e-5)
    np.testing.assert_allclose(cos, cos.T, atol=1e-6)
    for i in (0, 2, 4):                                    # each paraphrase pair beats the rest
        others = [cos[i, j] for j in range(len(sentences)) if j not in (i, i + 1)]
        assert cos[i, i + 1] > max(others)


# --- API ---------------------------------------------------------------------------------------------

def test_api_arithmetic(client):
    """English: GloVe, the language's default space (the space travels in a gr.State)."""
    fig, table, result = client.predict("paris - france + italy", "venice", 5, "2d", "en",
                                        api_name="/embeddings_arithmetic")
    assert result["space"] == "glove"
    assert result["neighbours"][0][0] == "rome" and len(result["neighbours"]) == 5
    assert "cosine" in table and "venice" in fig["plot"]


def test_api_unknown_word_in_both_languages(client):
    with pytest.raises(AppError, match="closest spellings it has: queen"):
        client.predict("queeen", "", 5, "2d", "en", api_name="/embeddings_similar")
    with pytest.raises(AppError, match="Las más parecidas que sí están: queen"):
        client.predict("queeen - man", "glove", 5, "es", api_name="/embeddings_arithmetic_in")


def test_api_similar(client):
    fig, table = client.predict("frog", "", 6, "3d", "en", api_name="/embeddings_similar")
    assert "toad" in table and "scatter3d" in fig["plot"]


def test_api_sentences(client):
    heat, scatter = client.predict("A cat sleeps.\nA kitten naps.\nStocks fell.", "es",
                                   api_name="/embeddings_sentences")
    z = json.loads(heat["plot"])["data"][0]["z"]
    assert z[0][1] > z[0][2]
    assert "USE multilingual v3" in json.loads(heat["plot"])["layout"]["title"]["text"]
    with pytest.raises(AppError, match="al menos dos frases"):
        client.predict("Only one.", "es", api_name="/embeddings_sentences")


# --- browser ----------------------------------------------------------------------------------------------

def test_browser_embeddings_tab_english_glove(page_in):
    page = page_in("en", tab="embeddings")
    page.wait_for_function(
        "() => document.querySelector('#embeddings-arith-table')?.textContent.includes('queen')",
        timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('#embeddings-arith-plot .gtitle')?.textContent.includes('queen')",
        timeout=30_000)
    plot = page.locator("#embeddings-arith-plot").inner_text()
    assert "king" in plot and "variance" in plot
    page.wait_for_selector("#embeddings-heat-plot .heatmaplayer", timeout=60_000)
    # another course preset
    page.locator("#embeddings-preset input").click()
    page.get_by_role("option", name="paris − france + italy", exact=False).click()
    page.wait_for_function(
        "() => document.querySelector('#embeddings-arith-table')?.textContent.includes('rome')",
        timeout=30_000)
    page.wait_for_timeout(800)
    screenshot(page, "embeddings-en")
