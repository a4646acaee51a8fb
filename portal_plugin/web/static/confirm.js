// Confirmation dialogs: a link with data-confirm="<dialog id>" opens that <dialog> instead of
// the confirmation page it points to (the no-script fallback); 取消 closes it, changing nothing.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-confirm]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-confirm"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        dialog.showModal();
        var first = dialog.querySelector("textarea, button[type=submit]");
        if (first) { first.focus(); }
      }
      return;
    }
    var cancel = event.target.closest("[data-cancel]");
    if (cancel) {
      var open = cancel.closest("dialog");
      if (open) { open.close(); }
    }
  });
})();
