// The annotate page of a source (admin): selecting words in the text offers a link to the claim add
// form, filled with the source, the words, which occurrence of them was selected and the next number.
// Without this script the page still shows the text and a plain link to the add form.
"use strict";

(function () {
  const text = document.getElementById("annotate-text");
  const panel = document.getElementById("annotate-selection");
  if (!text || !panel) {
    return; // a reader who may not add claims gets no selection tools
  }
  const described = document.getElementById("annotate-selected");
  const lineBreak = document.getElementById("annotate-line-break");
  const link = document.getElementById("annotate-add-selected");
  panel.hidden = false;

  // What Python's str.strip() removes, and so the claim form from a quote. JavaScript's trim() differs:
  // it also removes U+FEFF and keeps U+001C-U+001F and U+0085.
  const SPACE = "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  const LEADING = new RegExp("^" + SPACE + "+");
  const TRAILING = new RegExp(SPACE + "+$");

  // Python counts a string's characters in code points; JavaScript in UTF-16 units, two for an astral character.
  function codePoints(string) {
    return Array.from(string).length;
  }

  // The part of the current selection that lies in the text, or null.
  function selectedRange() {
    const selection = document.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return null;
    }
    const range = selection.getRangeAt(0).cloneRange();
    if (!range.intersectsNode(text)) {
      return null;
    }
    if (!text.contains(range.startContainer)) {
      range.setStart(text, 0);
    }
    if (!text.contains(range.endContainer)) {
      range.setEnd(text, text.childNodes.length);
    }
    return range;
  }

  // The selected words as a quote, its place in the text and its occurrence, or null.
  function selectedQuote() {
    const range = selectedRange();
    if (!range) {
      return null;
    }
    const words = range.toString();
    const quote = words.replace(LEADING, "").replace(TRAILING, "");
    if (!quote) {
      return null;
    }
    const before = document.createRange();
    before.setStart(text, 0);
    before.setEnd(range.startContainer, range.startOffset);
    const source = text.textContent; // the source text exactly: the page writes no other characters into it
    const start = before.toString().length + (words.length - words.replace(LEADING, "").length);
    // Occurrences as Claim.anchor_to() counts them: every place the words start, overlapping ones included.
    let occurrence = 1;
    for (let at = source.indexOf(quote); at !== -1 && at < start; at = source.indexOf(quote, at + 1)) {
      occurrence += 1;
    }
    const first = codePoints(source.slice(0, start));
    return { quote: quote, occurrence: occurrence, start: first, end: first + codePoints(quote) };
  }

  function shorten(quote) {
    const characters = Array.from(quote);
    return characters.length <= 60 ? quote : characters.slice(0, 59).join("") + "…";
  }

  function update() {
    const selected = selectedQuote();
    // Nothing selected keeps the last selection's link: pressing the link clears the selection before the click.
    if (!selected) {
      return;
    }
    const parameters = new URLSearchParams({
      source: text.dataset.source,
      quote: selected.quote,
      occurrence: String(selected.occurrence),
      number: text.dataset.number,
    });
    link.href = text.dataset.addUrl + "?" + parameters.toString();
    link.dataset.start = String(selected.start);
    link.dataset.end = String(selected.end);
    link.dataset.occurrence = String(selected.occurrence);
    // The sentence comes from the page, in the page's language, with {quote}, {start}, {end} and {occurrence} in it.
    const values = { quote: shorten(selected.quote), start: selected.start, end: selected.end, occurrence: selected.occurrence };
    described.textContent = panel.dataset.described.replace(/\{(quote|start|end|occurrence)\}/g, function (_, name) {
      return String(values[name]);
    });
    // The claim form's text box would send a line break back as CRLF, which the text does not hold.
    const spansLines = /[\r\n]/.test(selected.quote);
    lineBreak.hidden = !spansLines;
    link.hidden = spansLines;
    link.classList.remove("is-waiting");
  }

  document.addEventListener("selectionchange", update);
  text.addEventListener("mouseup", update);
  text.addEventListener("keyup", update);

  // A mark links to its claim, and a browser drags a link rather than select its words. While the main
  // button is down, the pressed link loses its address, so that a drag from inside a mark selects words;
  // it gets the address back before the click, so that a plain click still opens the claim.
  let pressed = null;
  let pressedAt = null;
  function restore() {
    if (pressed) {
      pressed.setAttribute("href", pressed.dataset.href);
      pressed = null;
    }
  }
  text.addEventListener("mousedown", function (event) {
    restore();
    pressedAt = { x: event.clientX, y: event.clientY };
    const anchor = event.button === 0 ? event.target.closest("a[href]") : null;
    if (anchor && text.contains(anchor)) {
      pressed = anchor;
      anchor.dataset.href = anchor.getAttribute("href");
      anchor.removeAttribute("href");
    }
  });
  document.addEventListener("mouseup", restore, true);
  window.addEventListener("blur", restore);
  // The end of a drag that began and ended inside one mark is a selection, not a click on its link.
  text.addEventListener("click", function (event) {
    const moved = pressedAt && Math.hypot(event.clientX - pressedAt.x, event.clientY - pressedAt.y) > 3;
    if (moved && event.target.closest("a")) {
      event.preventDefault();
    }
  });
})();
