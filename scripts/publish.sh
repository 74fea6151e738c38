#!/usr/bin/env bash
# The publish job: bring the checkout to the newest main, run `statusfiles sync`, refresh the snapshot of the
# account's pages and components (`statusfiles pull`), import what was posted elsewhere (`statusfiles import
# --open`: the dashboard, Slack), and commit and push the ledger, the snapshot and the imported statusfiles,
# even when sync failed part way. Called by .github/workflows/statusfiles-publish.yml (after each merge and
# on a schedule) and by action.yml (command: sync); run from the root of a checkout of the repository.
#
# The statusfiles steps run in one process, `statusfiles github publish`, which loads the statusfiles once
# and writes the report and the step outputs; it calls this script back for the git steps before and
# after them (`publish.sh fetch WORK`, `publish.sh record WORK`), which are all this script does itself.
#
# Environment (all optional except the API key):
#   INCIDENT_IO_API_KEY        the API key; empty: publishing is skipped with a notice and exit 0
#   INCIDENT_IO_BASE_URL       the API base URL (default: sync's, https://api.incident.io)
#   STATUSFILES_DIR            the statusfiles directory (default statusfiles)
#   STATUSFILES_LEDGER         the ledger (default $STATUSFILES_DIR/ledger.jsonl)
#   STATUSFILES_REMOTE         the remote to fetch from and push to (default origin)
#   STATUSFILES_BRANCH         the branch to publish from and push the ledger to (default main)
#   STATUSFILES_PUSH_ATTEMPTS  how many times to push before giving up (default 5)
#   STATUSFILES_IMPORT         false: do not import what was posted elsewhere (default true)
#   STATUSFILES_GIT_NAME       the ledger commit's author and committer name (default github-actions[bot])
#   STATUSFILES_GIT_EMAIL      ... and e-mail (default GitHub's address for github-actions[bot])
#   STATUSFILES_REPORT         also write the Markdown report (sync's summary and ours) to this file
#   STATUSFILES_PLAN_JSON      also write `statusfiles plan --format json`, taken after the reset, here
#   STATUSFILES_ACTION_OUTPUTS true: also write action.yml's outputs (the plan's counts, the report as markdown)
#   GITHUB_STEP_SUMMARY        the report is appended here when set
#   GITHUB_OUTPUT              status (published|failed|skipped), sync-exit-code, ledger
#                              (pushed|unchanged|push-failed) and snapshot (refreshed|unchanged|pull-failed)
#                              and import (imported|unchanged|import-failed|off) are written here when set
#
# `publish.sh salvage`, after a run that was cancelled or killed: commit and push what it left (step_salvage).
#
# Exit status: 0 when everything was published (or there was nothing to publish, or no API key) and the
# ledger is on the branch; otherwise sync's own non-zero status, or 1 when only the fetch or the push failed.
set -euo pipefail

remote=${STATUSFILES_REMOTE:-origin}
branch=${STATUSFILES_BRANCH:-main}
dir=${STATUSFILES_DIR:-statusfiles}
ledger=${STATUSFILES_LEDGER:-$dir/ledger.jsonl}
snapshot=$dir/snapshot.json
schemas=$(dirname "$dir")/schemas
attempts=${STATUSFILES_PUSH_ATTEMPTS:-5}
tracking=refs/remotes/$remote/$branch

# The work is done in functions called from the last line, so that bash has read the whole script before the
# reset rewrites the working tree it may live in (the publish workflow runs it from the checkout it resets).
main() {
  local work rc=0
  work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/statusfiles-publish.XXXXXX")
  # shellcheck disable=SC2064 # $work is fixed now
  trap "rm -rf '$work'" EXIT
  # The git steps run from a copy: the fetch may rewrite this very file, and the commit after it must be
  # done by the script that did the fetch.
  cp -- "${BASH_SOURCE[0]}" "$work/publish.sh"
  # An empty base URL means "the default", not a URL: sync should never see it.
  [ -n "${INCIDENT_IO_BASE_URL:-}" ] || unset INCIDENT_IO_BASE_URL
  statusfiles github publish --dir "$dir" --ledger "$ledger" --git-steps "$work/publish.sh" --work "$work" ||
    rc=$?
  return "$rc"
}

# The git step before publishing (`publish.sh fetch WORK`).
step_fetch() {
  reset_to_newest
  git rev-parse HEAD >"$work/started-from"
}

# The git step after publishing (`publish.sh record WORK`): one commit holds what this run changed,
# pushed even when sync failed part way. Exit status 1 when it could not be pushed.
step_record() {
  started_from=$(cat "$work/started-from")
  count_new_files
  if ledger_changed || snapshot_changed || [ "$imported" -gt 0 ]; then
    commit_ledger
    push_ledger || return 1
  else
    output ledger unchanged
  fi
}

# After a run that was cancelled or timed out (the workflow's `if: cancelled()` step: `publish.sh salvage`),
# killed wherever it stood: commit and push what it wrote and did not push. Each POST's intent was written to
# the ledger before the POST, so that the next run reads those updates back, and waits for one still being
# applied, instead of posting them again. A run killed before its reset or after its push leaves nothing.
step_salvage() {
  if ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "::error title=statusfiles salvage::not in a git checkout: run salvage where the publish step ran"
    return 1
  fi
  if ! git rev-parse --quiet --verify "$tracking" >/dev/null; then
    echo "The cancelled run stopped before it fetched $branch: it published nothing, so there is nothing to record."
    return 0
  fi
  started_from=$tracking
  drop_leftovers
  # Killed while rebasing the ledger commit onto a moved branch: HEAD is on that branch, the commit aside.
  if [ -d "$(git rev-parse --git-path rebase-merge)" ] || [ -d "$(git rev-parse --git-path rebase-apply)" ]; then
    git rebase --abort
  fi
  restore_attributes
  count_new_files
  if ledger_changed || snapshot_changed || [ "$imported" -gt 0 ]; then
    commit_ledger
  fi
  if [ -z "$(git rev-list "$tracking..HEAD" 2>/dev/null)" ]; then
    echo "The cancelled run left nothing to record."
    return 0
  fi
  echo "Recording what the cancelled run wrote to the ledger."
  push_ledger || return 1
}

# What processes killed half way leave behind: git's index lock, and the temporary file of a write
# (fsutil's .NAME.HEX.tmp beside the file it was to replace), which must never be committed. The
# job's processes are gone when salvage runs.
drop_leftovers() {
  local path
  rm -f -- "$(git rev-parse --git-dir)/index.lock"
  while IFS= read -r -d '' path; do
    case ${path##*/} in
      .*.tmp) rm -f -- "$path" ;;
    esac
  done < <(git ls-files -z --others --exclude-standard -- "$dir" "$schemas")
}

# Fetch the branch and make the checkout exactly its newest commit: a run that waited behind another must
# see the ledger that run pushed, never the ledger of the commit that triggered it.
reset_to_newest() {
  if ! git fetch --quiet --no-tags "$remote" "+refs/heads/$branch:$tracking"; then
    echo "::error title=statusfiles publish::could not fetch $branch from $remote"
    note "Nothing was published: \`$branch\` could not be fetched from \`$remote\` (the job log says why)."
    exit 1
  fi
  git checkout --quiet --force -B "$branch" "$tracking"
  echo "Publishing from $remote/$branch at $(git rev-parse --short HEAD)."
}

# Count the files new since the reset, from one listing: `imported`, those in the statusfiles directory, which
# in this freshly reset checkout only import writes (the ledger and the snapshot, new in a new repository, are
# not counted); `new_schemas`, those in the schemas folder beside it, which import writes when the repository
# has none yet. Paths are NUL-separated, as git prints them unquoted.
count_new_files() {
  local path in_schemas ledger_path snapshot_path
  in_schemas=$(git_path "$schemas")/ ledger_path=$(git_path "$ledger") snapshot_path=$(git_path "$snapshot")
  imported=0 new_schemas=0
  while IFS= read -r -d '' path; do
    case $path in
      "$in_schemas"*) new_schemas=$((new_schemas + 1)) ;;
      "$ledger_path" | "$snapshot_path") ;;
      *) imported=$((imported + 1)) ;;
    esac
  done < <(git ls-files -z --others --exclude-standard -- "$dir" "$schemas")
}

# A path as git prints it: relative to the root of the checkout (where this runs), without . or empty parts.
git_path() {
  local part parts out=""
  IFS=/ read -r -a parts <<<"${1#"$PWD"/}"
  for part in "${parts[@]}"; do
    case $part in
      "" | .) ;;
      *) out=${out:+$out/}$part ;;
    esac
  done
  printf '%s' "$out"
}

ledger_changed() {
  [ -n "$(git status --porcelain -- "$ledger")" ]
}

snapshot_changed() {
  [ -n "$(git status --porcelain -- "$snapshot")" ]
}

# One commit holds what this run changed: the ledger's new lines and the refreshed snapshot.
commit_ledger() {
  local added message path
  if [ "$imported" -gt 0 ]; then
    git add --all -- "$dir"
    if [ "$new_schemas" -gt 0 ]; then
      git add -- "$schemas"
    fi
  fi
  for path in "$ledger" "$snapshot"; do
    if [ -n "$(git status --porcelain -- "$path")" ]; then
      git add -- "$path"
    fi
  done
  added=$(git diff --cached --numstat -- "$ledger" | cut -f1)
  if [ "$imported" -gt 0 ]; then
    message="statusfiles: import ${imported} statusfile(s) posted elsewhere and record ${added:-0} ledger line(s) [skip ci]"
  elif [ -z "$added" ]; then
    message="statusfiles: refresh the snapshot of status pages [skip ci]"
  elif [ -n "$(git diff --cached --name-only -- "$snapshot")" ]; then
    message="statusfiles: record ${added} ledger line(s) from publishing and refresh the snapshot [skip ci]"
  else
    message="statusfiles: record ${added} ledger line(s) from publishing [skip ci]"
  fi
  git_as_bot commit --quiet -m "$message"
}

# Push, and when the branch moved meanwhile, fetch, rebase the ledger commit onto it and try again. Never
# forced: a push that is not a fast-forward is rejected, and whatever landed on the branch is kept.
push_ledger() {
  local attempt base
  for ((attempt = 1; ; attempt++)); do
    base=$(git rev-parse "$tracking")
    if git push --quiet "$remote" "HEAD:refs/heads/$branch"; then
      echo "Ledger pushed to $remote/$branch ($(git rev-parse --short HEAD))."
      output ledger pushed
      return 0
    fi
    if [ "$attempt" -ge "$attempts" ]; then
      push_failed "Gave up after $attempts attempts to push: $branch kept moving"
      return 1
    fi
    if ! git fetch --quiet --no-tags "$remote" "+refs/heads/$branch:$tracking"; then
      # Neither push nor fetch went through: the network or the remote, not the branch's protection.
      push_failed "$remote could not be reached to push the ledger (the job log says why)"
      return 1
    fi
    # A salvaged commit may not be on the newest branch yet (its run was killed after fetching it): rebase.
    if [ "$(git rev-parse "$tracking")" = "$base" ] && git merge-base --is-ancestor "$tracking" HEAD; then
      # The branch did not move, so this was no race: most likely branch protection or missing permission.
      push_failed "The push was rejected although $branch did not move: may this job push to it? ('Protecting main' in docs/github.md)"
      return 1
    fi
    echo "$branch moved while publishing; rebasing the ledger commit (attempt $attempt of $attempts)."
    # Only the ledger and the snapshot are in this commit. Should the branch have changed the ledger too,
    # both sides only appended lines, so a union merge keeps every record of both instead of stopping at a
    # conflict; a snapshot changed on both sides keeps this run's, the newer pull.
    if ! rebase_with_merge_rules; then
      git rebase --abort || true
      push_failed "The ledger commit could not be rebased onto the new $branch"
      return 1
    fi
  done
}

# The rebase, with the ledger's and the snapshot's merge rules in $GIT_DIR/info/attributes: they win over
# any line of the repository's own .gitattributes (a core.attributesFile would not), and are taken out again.
# Attribute patterns match paths as git prints them, not ./statusfiles//ledger.jsonl: git_path spells them so.
rebase_with_merge_rules() {
  local info status=0
  info=$(git rev-parse --git-path info/attributes)
  restore_attributes
  mkdir -p "$(dirname "$info")"
  # What to restore is kept in the git directory, where it outlives a run killed in the rebase.
  if [ -f "$info" ]; then cp -- "$info" "$info.statusfiles-saved"; else : >"$info.statusfiles-none"; fi
  # A last line without its newline would swallow the first rule.
  if [ -s "$info" ] && [ -n "$(tail -c 1 -- "$info")" ]; then echo >>"$info"; fi
  printf '/%s merge=union\n/%s merge=statusfiles-newer\n' "$(git_path "$ledger")" "$(git_path "$snapshot")" >>"$info"
  git_as_bot -c "merge.statusfiles-newer.driver=cp %B %A" rebase --quiet "$tracking" || status=$?
  restore_attributes
  return "$status"
}

# $GIT_DIR/info/attributes as it was before the rebase's merge rules were added, when they were.
restore_attributes() {
  local info
  info=$(git rev-parse --git-path info/attributes)
  if [ -f "$info.statusfiles-saved" ]; then
    mv -- "$info.statusfiles-saved" "$info"
  elif [ -f "$info.statusfiles-none" ]; then
    rm -f -- "$info" "$info.statusfiles-none"
  fi
}

# This run's ledger records exist only in this checkout now: put them where a person recovering will look.
push_failed() {
  echo "::error title=statusfiles ledger not pushed::$1"
  output ledger push-failed
  {
    echo
    echo "### The ledger was not pushed"
    echo
    echo "$1. What this run did is recorded only in the lines below. The next publish reads each"
    echo "incident back and records updates already on the page instead of posting them again; to keep"
    echo "the record of when and by which run they were posted, append these lines to \`$ledger\` on"
    echo "\`$branch\` by hand first."
    echo
    echo '```jsonl'
    git diff "$started_from" -- "$ledger" | sed -n 's/^+\([^+]\)/\1/p'
    echo '```'
  } >>"$report"
}

git_as_bot() {
  local name=${STATUSFILES_GIT_NAME:-github-actions[bot]}
  local email=${STATUSFILES_GIT_EMAIL:-41898282+github-actions[bot]@users.noreply.github.com}
  git -c "user.name=$name" -c "user.email=$email" "$@"
}

note() {
  printf '%s\n' "$1" >>"$report"
}

# Only into a regular file (or a new one): a FIFO would keep the job waiting for ever after its push.
# statusfiles has said why it could not write the outputs, and fails the job.
output() {
  if [ -n "${GITHUB_OUTPUT:-}" ] && { [ -f "$GITHUB_OUTPUT" ] || [ ! -e "$GITHUB_OUTPUT" ]; }; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

case "${1:-}" in
  "") main ;;
  fetch | record)
    work=$2
    report=$work/report.md
    "step_$1"
    ;;
  salvage)
    work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/statusfiles-salvage.XXXXXX")
    # shellcheck disable=SC2064 # $work is fixed now
    trap "rm -rf '$work'" EXIT
    report=$work/report.md
    rc=0
    step_salvage || rc=$?
    if [ -s "$report" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ] &&
      { [ -f "$GITHUB_STEP_SUMMARY" ] || [ ! -e "$GITHUB_STEP_SUMMARY" ]; }; then
      cat -- "$report" >>"$GITHUB_STEP_SUMMARY"
    fi
    exit "$rc"
    ;;
  *)
    echo "usage: publish.sh [salvage] (and, run by statusfiles github publish: publish.sh fetch|record WORK)" >&2
    exit 2
    ;;
esac
