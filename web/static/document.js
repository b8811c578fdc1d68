// Document page: highlight the linked paragraph, step through matches, copy paragraph links.
// Everything here is an enhancement: without JS the anchors (#p-N, #m-N) still work.
(function () {
  "use strict";

  var marks = Array.prototype.slice.call(document.querySelectorAll("mark[id^='m-']"));
  var nav = document.getElementById("match-nav");
  var pos = nav && nav.querySelector(".match-pos");
  var current = -1;

  function target() {
    var id;
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch (e) {
      return null; // a mangled fragment: nothing to point at
    }
    return id ? document.getElementById(id) : null;
  }

  function paragraphOf(el) {
    return el && el.closest ? el.closest(".para") : null;
  }

  function markTarget(para) {
    var old = document.querySelectorAll(".para.is-target");
    for (var i = 0; i < old.length; i++) {
      if (old[i] !== para) old[i].classList.remove("is-target");
    }
    if (para) para.classList.add("is-target");
  }

  function setCurrent(i) {
    if (current >= 0) marks[current].classList.remove("current");
    current = i;
    if (i >= 0) marks[i].classList.add("current");
    if (pos) pos.textContent = i >= 0 ? i + 1 + " / " + marks.length : "";
  }

  // The first match at or after the element the URL points to.
  function markAtOrAfter(el) {
    if (!el) return -1;
    for (var i = 0; i < marks.length; i++) {
      if (el === marks[i] || el.contains(marks[i])) return i;
      if (el.compareDocumentPosition(marks[i]) & Node.DOCUMENT_POSITION_FOLLOWING) return i;
    }
    return -1;
  }

  function follow() {
    var el = target();
    var para = el && el.classList.contains("para") ? el : paragraphOf(el);
    markTarget(para);
    if (!marks.length) return;
    if (current >= 0 && para && para.contains(marks[current])) return; // set by step()
    var i = markAtOrAfter(el);
    // A match counts as "current" only when it is inside the linked paragraph.
    setCurrent(i >= 0 && para && para.contains(marks[i]) ? i : -1);
  }

  function step(delta) {
    var n = marks.length;
    var i;
    if (current >= 0) {
      i = (current + delta + n) % n;
    } else {
      var after = markAtOrAfter(target());
      i = after < 0 ? (delta > 0 ? 0 : n - 1) : delta > 0 ? after : (after - 1 + n) % n;
    }
    var mark = marks[i];
    var para = paragraphOf(mark);
    // replace(): stepping through matches should not fill the Back button's history.
    if (para && location.hash !== "#" + para.id) location.replace("#" + para.id);
    markTarget(para);
    setCurrent(i);
    mark.scrollIntoView({ block: "center" });
  }

  if (nav) {
    nav.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-step]");
      if (!link || !marks.length) return;
      event.preventDefault();
      step(parseInt(link.getAttribute("data-step"), 10));
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || !marks.length) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea") return;
    if (event.key === "n") step(1);
    else if (event.key === "N" || event.key === "p") step(-1);
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.pilcrow");
    if (!link || !navigator.clipboard) return;
    navigator.clipboard.writeText(link.href).then(
      function () {
        link.classList.add("copied");
        setTimeout(function () { link.classList.remove("copied"); }, 1500);
      },
      function () {}
    );
  });

  // The sticky bar wraps to two or three lines on a phone: paragraphs scrolled to must clear it.
  function clearNav() {
    if (!nav) return;
    var height = nav.getBoundingClientRect().height;
    document.documentElement.style.setProperty("--match-nav-height", Math.ceil(height) + "px");
  }

  window.addEventListener("hashchange", function () {
    // Moving the highlight hides the previous paragraph's match links: if they were above the
    // new target, it would slide up under the bar. Keep it where the browser put it.
    var el = target();
    var before = el ? el.getBoundingClientRect().top : 0;
    follow();
    if (el) window.scrollBy(0, el.getBoundingClientRect().top - before);
  });
  window.addEventListener("resize", clearNav);
  // Its height changes as the CJK fonts arrive and lines wrap: measure it whenever it does.
  if (nav && window.ResizeObserver) new ResizeObserver(clearNav).observe(nav);
  clearNav();
  follow();
})();
