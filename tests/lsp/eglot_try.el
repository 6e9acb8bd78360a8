;;; eglot_try.el --- docs/editors.md's Emacs configuration against `flaskc lsp', in batch.
;; Run: FLASKC_BIN_DIR=DIR-WITH-FLASKC FILE=TREE/modules/domU.te LINE=N \
;;      emacs --batch -l tests/lsp/eglot_try.el
;; where line N (1-based) of FILE has a mistake. Exits 0 when the error shows on that line
;; and `create_domain' leads to xen.if.

(setq exec-path (cons (getenv "FLASKC_BIN_DIR") exec-path))

;; The configuration of docs/editors.md.
(require 'eglot)
(define-derived-mode flask-policy-mode prog-mode "FLASK"
  "Major mode for Xen FLASK/XSM policy sources."
  (setq-local comment-start "# "))
(add-to-list 'auto-mode-alist
             '("\\.\\(te\\|if\\|spt\\|cons\\)\\'" . flask-policy-mode))
(add-to-list 'auto-mode-alist
             '("/\\(access_vectors\\|security_classes\\|initial_sids\\|modules\\.conf\\|policy\\.conf\\)\\'"
               . flask-policy-mode))
(add-to-list 'eglot-server-programs '(flask-policy-mode "flaskc" "lsp"))
(add-hook 'flask-policy-mode-hook #'eglot-ensure)

(defun try-fail (msg &rest args)
  (princ (concat "eglot try: " (apply #'format msg args) "\n") #'external-debugging-output)
  (kill-emacs 1))

(find-file (getenv "FILE"))
;; eglot-ensure waits for the command loop, which batch mode has not: run what it deferred.
(run-hooks 'post-command-hook)
(unless (eglot-current-server) (eglot-ensure) (run-hooks 'post-command-hook))
(let ((tries 0))
  (while (and (< tries 100) (null (flymake-diagnostics)))
    (accept-process-output nil 0.05)
    (setq tries (1+ tries))))
(let ((d (car (flymake-diagnostics))))
  (unless d (try-fail "no diagnostics within 5 s"))
  (let ((line (line-number-at-pos (flymake-diagnostic-beg d))))
    (unless (= line (string-to-number (getenv "LINE")))
      (try-fail "diagnostic on line %d: %s" line (flymake-diagnostic-text d)))))
(goto-char (point-min))
(search-forward "create_domain(")
(backward-char 3)
(xref-find-definitions (thing-at-point 'symbol))
(unless (string-suffix-p "modules/xen.if" (buffer-file-name))
  (try-fail "definition went to %s" (buffer-file-name)))
(princ "eglot try: ok\n")
(kill-emacs 0)
