/**
 * The script of the audit report and the console: sorting and filtering of the key table. The page is complete
 * without it (every row is in the HTML); with it, the rows are held in memory and shown a page at a time, so
 * sorting and filtering 100,000 keys touches a few hundred rows of the document. No inline handlers, no eval:
 * it runs under a Content-Security-Policy without 'unsafe-inline'.
 */
export const REPORT_SCRIPT = `(function () {
  'use strict';
  var table = document.querySelector('table.keys');
  var controls = document.getElementById('controls');
  if (!table || !controls) return;
  var body = table.tBodies[0];
  var PAGE = 250;
  var items = Array.prototype.map.call(body.rows, function (row, index) { return { row: row, index: index, text: null, key: 0 }; });
  var shown = items;
  var limit = PAGE;
  var byId = function (id) { return document.getElementById(id); };
  var query = byId('filter-text');
  var severity = byId('filter-severity');
  var kind = byId('filter-kind');
  var sortBy = byId('sort-by');
  var more = byId('show-more');
  var status = byId('table-status');
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var sorted = { column: -1, descending: false };
  controls.hidden = false;

  function textOf(item) {
    if (item.text === null) item.text = item.row.textContent.toLowerCase();
    return item.text;
  }
  function sortValue(item, column) {
    var cell = item.row.cells[column];
    var value = cell.getAttribute('data-v');
    return value === null ? cell.textContent.trim().toLowerCase() : Number(value);
  }
  function matches(item, needle, wantSeverity, wantKind) {
    var row = item.row;
    if (wantSeverity === 'error' && row.className !== 'e') return false;
    if (wantSeverity === 'warning' && row.className !== 'w') return false;
    if (wantSeverity === 'any' && row.className === '') return false;
    if (wantSeverity === 'none' && row.className !== '') return false;
    if (wantKind && (' ' + (row.getAttribute('data-k') || '') + ' ').indexOf(' ' + wantKind + ' ') === -1) return false;
    return needle === '' || textOf(item).indexOf(needle) !== -1;
  }
  function render() {
    var page = shown.slice(0, limit);
    var fragment = document.createDocumentFragment();
    for (var i = 0; i < page.length; i++) fragment.appendChild(page[i].row);
    body.replaceChildren(fragment);
    var total = items.length === 1 ? '1 key' : items.length.toLocaleString('en') + ' keys';
    status.textContent = 'Showing ' + page.length.toLocaleString('en') + ' of ' + shown.length.toLocaleString('en') + ' matching (' + total + ' in all).';
    more.hidden = shown.length <= limit;
  }
  function applyFilter() {
    var needle = query ? query.value.trim().toLowerCase() : '';
    var wantSeverity = severity ? severity.value : '';
    var wantKind = kind ? kind.value : '';
    shown = needle === '' && wantSeverity === '' && wantKind === '' ? items : items.filter(function (item) { return matches(item, needle, wantSeverity, wantKind); });
    limit = PAGE;
    render();
  }
  function sortOn(column, descending) {
    sorted = { column: column, descending: descending };
    for (var i = 0; i < items.length; i++) items[i].key = sortValue(items[i], column);
    var sign = descending ? -1 : 1;
    items.sort(function (a, b) {
      if (a.key < b.key) return -sign;
      if (a.key > b.key) return sign;
      return a.index - b.index;
    });
    heads.forEach(function (head, index) {
      if (index === column) head.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
      else head.removeAttribute('aria-sort');
    });
    if (sortBy) sortBy.value = column + (descending ? ':desc' : ':asc');
    applyFilter();
  }
  heads.forEach(function (head, index) {
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = head.textContent;
    button.title = 'Sort by ' + head.textContent;
    button.addEventListener('click', function () { sortOn(index, sorted.column === index ? !sorted.descending : false); });
    head.replaceChildren(button);
    if (sortBy) {
      [['asc', ' \\u2191'], ['desc', ' \\u2193']].forEach(function (way) {
        var option = document.createElement('option');
        option.value = index + ':' + way[0];
        option.textContent = head.textContent + way[1];
        sortBy.appendChild(option);
      });
    }
  });
  if (sortBy) sortBy.addEventListener('change', function () {
    var parts = sortBy.value.split(':');
    if (parts[0] === '') return;
    sortOn(Number(parts[0]), parts[1] === 'desc');
  });
  var timer = 0;
  if (query) query.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(applyFilter, 120); });
  if (severity) severity.addEventListener('change', applyFilter);
  if (kind) kind.addEventListener('change', applyFilter);
  more.addEventListener('click', function () { limit += PAGE; render(); });
  Array.prototype.forEach.call(document.querySelectorAll('a[data-kind]'), function (link) {
    link.addEventListener('click', function () {
      if (kind) kind.value = link.getAttribute('data-kind');
      if (severity) severity.value = '';
      applyFilter();
    });
  });
  render();
})();
`;
