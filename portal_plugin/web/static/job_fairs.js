// 现场招聘会查阅: a fair's name opens its details in a dialog; without script it is a link.
(function () {
  "use strict";
  var dialog = document.getElementById("fair-dialog");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var body = dialog.querySelector(".fair-dialog-body");
  dialog.querySelector(".fair-dialog-close").addEventListener("click", function () { dialog.close(); });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.fair-link");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    fetch(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var details = page.querySelector("table.details");
        if (!details) { throw new Error("no details"); }
        body.replaceChildren(document.importNode(details, true));
        dialog.showModal();
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
