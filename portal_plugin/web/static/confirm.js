// Confirmation dialogs. A link with data-confirm="<dialog id>" opens that <dialog> instead of
// the confirmation page it points to (the no-script fallback); a submit button with
// data-confirm-text="…" asks in the shared dialog (#confirm-generic) before its form is sent.
// 取消 closes the dialog and changes nothing.
(function () {
  "use strict";
  var pending = null;  // the submit button waiting for 确认
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
    var asking = event.target.closest("button[data-confirm-text]");
    var generic = document.getElementById("confirm-generic");
    if (asking && asking !== pending && generic && typeof generic.showModal === "function") {
      event.preventDefault();
      pending = asking;
      generic.querySelector("[data-text]").textContent = asking.getAttribute("data-confirm-text");
      generic.querySelector("#confirm-generic-title").textContent = "确认" + asking.textContent.trim() + "？";
      generic.showModal();
      return;
    }
    if (event.target.closest("#confirm-generic [data-ok]") && pending) {
      var button = pending;
      generic.close();
      if (button.form.requestSubmit) { button.form.requestSubmit(button); } else { button.click(); }
      pending = null;
      return;
    }
    var cancel = event.target.closest("[data-cancel]");
    if (cancel) {
      var open = cancel.closest("dialog");
      if (open) { open.close(); }
      pending = null;
    }
  });
})();
