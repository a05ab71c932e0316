"""Link the first mention of every glossary term in each chapter to book/glossary.md with ``{term}``.

    python scripts/glossary_links.py           # list the mentions that are not linked yet
    python scripts/glossary_links.py --write   # link them (review the diff: a word may be used loosely)

``tests/test_glossary.py`` runs the same check, so a chapter that starts using a term must link it.
Mentions in headings, code, maths, links and citations are never linked.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "glossary.md"

# Other spellings of a term (regular expressions); the term itself and its plural always match.
VARIANTS = {
    "Interpretability": ["interpretable"],
    "Intrinsic interpretability": ["intrinsic"],
    "Self-explaining neural network": ["self-explaining neural networks?", "SENNs?"],
    "Gradient x input": ["gradient [x×] input"],
    "Post hoc": ["post-hoc"],
    "Saliency map": ["saliency maps?", "saliency"],
    "Spearman rank correlation": ["Spearman correlation", "Spearman"],
    "Counterfactual": ["counterfactuals?"],
    "Lipschitz estimate": ["local Lipschitz", "Lipschitz estimates?"],
    "Insertion curve": ["insertion curves?", "insertion"],
    "Cascading randomisation": ["cascading (?:model )?randomi[sz]ation"],
    "Sanity check": ["sanity checks?"],
    "Activation maximization": ["activation maximi[sz]ation"],
    "Pixel flipping": ["pixel-flipping"],
    "CNN": ["convolutional (?:neural )?networks?"],
    "Localisation score": ["locali[sz]ation"],
    "Label randomisation": ["label randomi[sz]ation"],
    "Surrogate model": ["surrogates?"],
    "Simulatability": ["simulatable"],
}

# Mentions in the everyday sense of the word, not the glossary's: (chapter prefix, term).
LOOSE = {
    ("02", "Concept"),  # "the model's concept of an 8"
    ("06", "Baseline"),  # "the baseline every accuracy must beat" (majority class)
    ("08", "Counterfactual"),  # Jain & Wallace's counterfactual attention weights
    ("10", "Interpretability"),  # the title of the SENN paper in the reading list
}

ROLE = re.compile(r"\{term\}`(?:[^`<]*<)?([^`>]+)>?`")
# Spans never linked: roles, code, maths, links, HTML, URLs.
PROTECTED = re.compile(r"\{[\w:-]+\}`[^`]*`|`[^`]*`|\$\$.*?\$\$|\$[^$\n]+\$|\[[^\]]*\]\([^)]*\)|<[^>]+>|https?://\S+")


def glossary_terms():
    """The terms defined in the ``{glossary}`` directive of book/glossary.md."""
    body = GLOSSARY.read_text().split("```{glossary}", 1)[1].split("```", 1)[0]
    return [ln.strip() for ln in body.splitlines() if ln and not ln[0].isspace()]


def pattern(term):
    """A regex for a term's mentions: case-sensitive for acronyms such as SHAP or Grad-CAM."""
    forms = [re.escape(term) + "(?:e?s)?", *VARIANTS.get(term, [])]
    flags = 0 if any(ch.isupper() for ch in term[1:]) else re.IGNORECASE
    return re.compile(r"(?<![\w`{<|/.-])(" + "|".join(forms) + r")(?![\w-])", flags)


def prose_spans(text):
    """(start, end) ranges of a markdown cell that are prose: no headings, fences, options or protected spans."""
    spans, pos = [], 0
    for line in text.split("\n"):
        end = pos + len(line)
        if not line.lstrip().startswith(("#", "```", ":")):
            last = pos
            for m in PROTECTED.finditer(text, pos, end):
                spans.append((last, m.start()))
                last = m.end()
            spans.append((last, end))
        pos = end + 1
    return spans


def first_mention(text, patterns):
    """The earliest (term, match) in the prose of ``text`` among ``patterns`` ({term: regex}), or None."""
    best, spans = None, prose_spans(text)
    for term, pat in patterns.items():
        for a, b in spans:
            m = pat.search(text, a, b)
            if m:
                longer = best is not None and m.start() == best[1].start() and m.end() > best[1].end()
                if best is None or m.start() < best[1].start() or longer:  # "faithfulness correlation" wins
                    best = (term, m)
                break
    return best


def unlinked(path, write=False):
    """Mentions of glossary terms in one chapter that come before (or without) a {term} link to them."""
    nb = json.loads(Path(path).read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    todo = {t: pattern(t) for t in glossary_terms() if (Path(path).stem[:2], t) not in LOOSE}
    found = []
    for cell in cells:
        text = "".join(cell["source"])
        while hit := first_mention(text, todo):
            term, m = hit
            del todo[term]
            if any(r.start() < m.start() and r.group(1).strip().lower() == term.lower() for r in ROLE.finditer(text)):
                continue  # linked earlier in this cell
            word = m.group(1)
            found.append((term, text[max(0, m.start() - 40) : m.end() + 20].replace("\n", " ")))
            role = f"{{term}}`{word}`" if word.lower() == term.lower() else f"{{term}}`{word} <{term}>`"
            text = text[: m.start()] + role + text[m.end() :]
        linked = {t.strip().lower() for t in ROLE.findall(text)}
        todo = {t: pat for t, pat in todo.items() if t.lower() not in linked}
        if write:
            cell["source"] = text.splitlines(keepends=True)
    if write and found:
        Path(path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return found


if __name__ == "__main__":
    for chapter in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for term, context in unlinked(chapter, write="--write" in sys.argv):
            print(f"{chapter.stem}: {term}: ...{context}...")
