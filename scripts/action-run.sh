#!/usr/bin/env bash
# The body of action.yml: runs one statusfiles command as a workflow wants it and sets the action's outputs.
#
# Environment: COMMAND (validate, plan, sync or salvage); STATUSFILES_DIR and STATUSFILES_LEDGER (empty: the
# defaults); for sync, everything scripts/publish.sh reads; and as GitHub Actions sets them,
# GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_EVENT_NAME. `statusfiles` must be on PATH.
# Exit status: the command's (2 for an unknown command). statusfiles writes the job summary and the outputs;
# exit-code is written here, in every case.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${STATUSFILES_DIR:-statusfiles}
ledger=${STATUSFILES_LEDGER:-$dir/ledger.jsonl}

# Called from the last line, so that bash has read all of this file before sync's reset of the checkout
# can rewrite it (as it does when a workflow runs this action as `uses: ./`).
main() {
  local rc=0
  case "${COMMAND:-}" in
    validate)
      # Annotations on the diff, the summary line for the log, and the counts as step outputs.
      statusfiles validate --dir "$dir" --format github || rc=$?
      ;;
    plan)
      ledger_untouched || rc=1
      local -a warn=()
      branch_has_the_ledger_of_its_base
      # One run: validation's annotations, the plan in the job summary, its counts and Markdown as outputs.
      statusfiles plan --dir "$dir" --ledger "$ledger" --format github "${warn[@]}" || rc=1
      ;;
    sync)
      # One statusfiles process publishes and writes the counts and the report as outputs as well.
      STATUSFILES_ACTION_OUTPUTS=true "$here/publish.sh" || rc=$?
      ;;
    salvage)
      # After a cancelled sync (`if: cancelled()`): push the ledger it wrote and did not push.
      "$here/publish.sh" salvage || rc=$?
      ;;
    *)
      echo "::error title=statusfiles action::command must be validate, plan or sync (or salvage, after a cancelled sync), not '${COMMAND:-}'"
      rc=2
      ;;
  esac
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    if [ -f "$GITHUB_OUTPUT" ] || [ ! -e "$GITHUB_OUTPUT" ]; then
      echo "exit-code=$rc" >>"$GITHUB_OUTPUT"
    elif [ "$rc" -eq 0 ]; then
      # A FIFO or a device: appending would wait for a reader for ever. statusfiles has said so.
      echo "::error title=statusfiles action::cannot write to GITHUB_OUTPUT ($GITHUB_OUTPUT): not a regular file"
      rc=1
    fi
  fi
  return "$rc"
}

# The ledger records what was posted to incident.io; only the publish job may write it. A pull request is
# checked out as its merge commit, whose first parent is the base branch: any difference in the ledger
# between the two comes from the pull request.
ledger_untouched() {
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target) ;;
    *) return 0 ;;
  esac
  if ! git rev-parse --quiet --verify 'HEAD^2' >/dev/null; then
    echo "::error title=ledger check::cannot tell whether this pull request edits $ledger: check out its merge commit (actions/checkout's default) with fetch-depth: 2"
    return 1
  fi
  if ! git diff --quiet 'HEAD^1' HEAD -- "$ledger"; then
    echo "::error file=$ledger,line=1,title=ledger edited by hand::$ledger records what was posted to incident.io and only the publish workflow writes it. Revert this pull request's changes to it."
    return 1
  fi
}

# A branch made before the last publish lacks the ledger records of what that publish posted. The merge
# commit has them, so this plan is right; but `statusfiles plan` on the branch itself lists those updates as
# new, and its author is reading that locally. Say so at the top of the plan (the caller's warn array).
branch_has_the_ledger_of_its_base() {
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target) ;;
    *) return 0 ;;
  esac
  git rev-parse --quiet --verify 'HEAD^2' >/dev/null || return 0
  local missing
  missing=$(comm -23 <(git show "HEAD^1:./$ledger" 2>/dev/null | sort) \
    <(git show "HEAD^2:./$ledger" 2>/dev/null | sort) | grep -c . || true)
  [ "$missing" -gt 0 ] || return 0
  local text="This branch predates the last publish: $ledger on the base branch has $missing record(s) it lacks. Update your branch (merge the base branch into it, or rebase onto it) so that it plans only what is new."
  echo "::warning file=$ledger,title=update your branch::$text"
  warn=(--github-warning "**Update your branch.** $text")
}

main "$@"
