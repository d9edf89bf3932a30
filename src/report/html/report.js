// Filter by verdict, search and pages for the profile list. The page reads the same
// without it: every profile is shown and the controls stay hidden.
(function () {
  "use strict";
  var controls = document.getElementById("controls");
  var list = document.getElementById("profiles");
  if (!controls || !list) { return; }
  var items = Array.prototype.slice.call(list.querySelectorAll(":scope > .profile"));
  var boxes = Array.prototype.slice.call(controls.querySelectorAll("input[name=verdict]"));
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  var pager = document.getElementById("pager");
  var previous = document.getElementById("previous");
  var next = document.getElementById("next");
  var pageSize = Number(list.getAttribute("data-page-size")) || 100;
  var page = 0;
  var texts = items.map(function (item) { return item.getAttribute("data-text") || ""; });

  function apply() {
    var wanted = {};
    boxes.forEach(function (box) { wanted[box.value] = box.checked; });
    var query = search.value.trim().toLowerCase();
    var matching = [];
    items.forEach(function (item, i) {
      var verdictOk = wanted[item.getAttribute("data-verdict")] === true;
      if (verdictOk && (query === "" || texts[i].indexOf(query) !== -1)) { matching.push(item); }
    });
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

  boxes.forEach(function (box) { box.addEventListener("change", function () { page = 0; apply(); }); });
  search.addEventListener("input", function () { page = 0; apply(); });
  previous.addEventListener("click", function () { page -= 1; apply(); list.scrollIntoView(); });
  next.addEventListener("click", function () { page += 1; apply(); list.scrollIntoView(); });
  controls.hidden = false;
  apply();
})();
