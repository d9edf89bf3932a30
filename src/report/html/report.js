// Filter by verdict, search and pages for the profile list. The page reads the same
// without it: every profile is shown and the controls stay hidden.
(function () {
  "use strict";
  var root = document.documentElement;
  var controls = document.getElementById("controls");
  var list = document.getElementById("profiles");
  if (!controls || !list) { root.classList.remove("paging"); return; }
  var items = Array.prototype.slice.call(list.querySelectorAll(":scope > .profile"));
  var boxes = Array.prototype.slice.call(controls.querySelectorAll("input[name=verdict]"));
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  var pager = document.getElementById("pager");
  var previous = document.getElementById("previous");
  var next = document.getElementById("next");
  var pageSize = Number(list.getAttribute("data-page-size")) || 100;
  var page = 0;
  var matching = [];
  var texts = items.map(function (item) { return item.getAttribute("data-text") || ""; });

  function filter() {
    var wanted = {};
    boxes.forEach(function (box) { wanted[box.value] = box.checked; });
    var query = search.value.trim().toLowerCase();
    matching = [];
    items.forEach(function (item, i) {
      var verdictOk = wanted[item.getAttribute("data-verdict")] === true;
      if (verdictOk && (query === "" || texts[i].indexOf(query) !== -1)) { matching.push(item); }
    });
  }

  function show() {
    var pages = Math.max(1, Math.ceil(matching.length / pageSize));
    if (page > pages - 1) { page = pages - 1; }
    var first = page * pageSize;
    var visible = new Set(matching.slice(first, first + pageSize));
    items.forEach(function (item) { item.hidden = !visible.has(item); });
    shown.textContent = matching.length + " of " + items.length + " profiles match" +
      (pages > 1 ? "; page " + (page + 1) + " of " + pages : "");
    pager.hidden = pages < 2;
    previous.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }

  function apply() { filter(); show(); }

  function turn(by) {
    page += by;
    show();
    // Focus moves to the list, so the next Tab reaches the new page's profiles.
    list.focus();
    list.scrollIntoView();
  }

  // A link to a profile on another page, or filtered out, brings it into view.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (!target || items.indexOf(target) === -1) { return; }
    if (matching.indexOf(target) === -1) {
      boxes.forEach(function (box) { box.checked = true; });
      search.value = "";
      filter();
    }
    page = Math.floor(matching.indexOf(target) / pageSize);
    show();
    target.scrollIntoView();
    var heading = target.querySelector("h3");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  }

  boxes.forEach(function (box) { box.addEventListener("change", function () { page = 0; apply(); }); });
  search.addEventListener("input", function () { page = 0; apply(); });
  previous.addEventListener("click", function () { turn(-1); });
  next.addEventListener("click", function () { turn(1); });
  window.addEventListener("hashchange", reveal);

  // Printing shows every profile that matches, evidence open; the screen comes back after.
  var closed = [];
  window.addEventListener("beforeprint", function () {
    matching.forEach(function (item) { item.hidden = false; });
    closed = Array.prototype.slice.call(list.querySelectorAll("details:not([open])"));
    closed.forEach(function (details) { details.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (details) { details.open = false; });
    show();
  });

  controls.hidden = false;
  apply();
  root.classList.remove("paging");
  if (location.hash) { reveal(); }
})();
