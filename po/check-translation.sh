#!/bin/sh
# Runs holler in a translated locale from the build tree's .mo files
# (HOLLER_LOCALEDIR) and checks that the help texts come out translated.
# usage: check-translation.sh HOLLER LOCALEDIR LANGUAGE TOP_HELP_TEXT CALL_HELP_TEXT
set -u
holler=$1 localedir=$2 lang=$3 top_text=$4 call_text=$5
status=0

check () { # description, expected text, output
  if printf '%s\n' "$3" | grep -qF -- "$2"; then
    echo "ok: $1"
  else
    echo "FAIL: $1: “$2” not in:"; printf '%s\n' "$3" | sed 's/^/    /'
    status=1
  fi
}

# C.UTF-8 is enough for LANGUAGE to take effect (gettext ignores LANGUAGE
# only in the plain C/POSIX locale); no generated locales are needed.
run () { # localedir, args...
  dir=$1; shift
  env -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 LANGUAGE="$lang" HOLLER_LOCALEDIR="$dir" "$holler" "$@" 2>&1
}

check "$lang: holler --help" "$top_text" "$(run "$localedir" --help)"
check "$lang: holler call --help" "$call_text" "$(run "$localedir" call --help)"
# Without the catalog the same run is in English: the text above came from
# the build tree's $lang/LC_MESSAGES/holler.mo.
check "$lang: untranslated without the catalog" "Usage: holler COMMAND" \
      "$(run "$localedir/nonexistent" --help)"
exit $status
