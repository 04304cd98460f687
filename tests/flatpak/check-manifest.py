#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Offline checks of the Flatpak packaging (meson suite 'packaging').

- the manifest parses, names the app id that meson.build and data/ use, runs
  `holler`, and every source of every module (nested ones too) is pinned: a
  sha256 for archives and files, a commit for git; only the app itself comes
  from the local checkout (a `dir` source);
- the finish-args are exactly FINISH_ARGS below, which flatpak/README.md
  documents (the README's list is compared too);
- `flatpak-builder --show-manifest` accepts it without warnings;
- `meson install` of the project into a DESTDIR staging tree with prefix /app
  produces every file the Flatpak exports, under the app id.

Prints TAP.  Usage: check-manifest.py --source-root DIR [--meson PROG]
[--flatpak-builder PROG]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

APP_ID = 'io.github.holler.Holler'
COMMAND = 'holler'

# The sandbox permissions, and the only place this test takes them from.
# flatpak/README.md ("Permissions") must list the same set.
FINISH_ARGS = [
    '--share=network',
    '--socket=pulseaudio',
    '--own-name=io.github.holler.Holler',
    '--filesystem=xdg-music/Holler:create',
]

RUNTIME_SDK = {
    'org.freedesktop.Platform': 'org.freedesktop.Sdk',
    'org.gnome.Platform': 'org.gnome.Sdk',
}

# What the Flatpak exports, relative to the prefix (/app).
INSTALLED = [
    'bin/' + COMMAND,
    'share/applications/' + APP_ID + '.desktop',
    'share/metainfo/' + APP_ID + '.metainfo.xml',
    'share/icons/hicolor/scalable/apps/' + APP_ID + '.svg',
]

SHA256 = re.compile(r'^[0-9a-f]{64}$')
COMMIT = re.compile(r'^[0-9a-f]{40}$')


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=''):
        self.n += 1
        if cond:
            print(f'ok {self.n} - {name}')
        else:
            self.failed += 1
            print(f'not ok {self.n} - {name}')
            for line in str(detail).splitlines():
                print(f'#   {line}')
        sys.stdout.flush()
        return cond

    def skip(self, name, why):
        self.n += 1
        print(f'ok {self.n} - {name} # SKIP {why}')

    def done(self):
        print(f'1..{self.n}')
        return 1 if self.failed else 0


def load_modules(modules, base_dir, problems):
    """Flatten the module tree; string entries name JSON module files."""
    out = []
    for m in modules:
        if isinstance(m, str):
            path = os.path.join(base_dir, m)
            if not path.endswith('.json'):
                problems.append(f'module file {m}: only JSON module files are checked')
                continue
            with open(path, encoding='utf-8') as f:
                m = json.load(f)
            sub_base = os.path.dirname(path)
        else:
            sub_base = base_dir
        out.append(m)
        out.extend(load_modules(m.get('modules', []), sub_base, problems))
    return out


def source_problems(module, is_app):
    problems = []
    name = module.get('name', '?')
    sources = module.get('sources', [])
    if not sources:
        problems.append(f'{name}: no sources')
    for s in sources:
        if isinstance(s, str):
            problems.append(f'{name}: external source file {s} is not checked; inline it')
            continue
        kind = s.get('type')
        if kind in ('archive', 'file') and 'url' in s:
            if not SHA256.match(s.get('sha256', '')):
                problems.append(f'{name}: {kind} {s["url"]} has no sha256')
        elif kind in ('archive', 'file', 'patch') and 'path' in s:
            pass  # a file in this repository: pinned by the repository itself
        elif kind == 'git':
            if not COMMIT.match(s.get('commit', '')):
                problems.append(f'{name}: git {s.get("url")} has no full commit id')
        elif kind in ('shell', 'script'):
            pass  # inline
        elif kind == 'dir':
            if not (is_app and s.get('path') == '..'):
                problems.append(f'{name}: dir source {s.get("path")} (only the app itself may be a dir)')
        else:
            problems.append(f'{name}: source type {kind} is not known to be pinned')
    return problems


def readme_finish_args(readme):
    """The backticked --args between the finish-args markers in the README."""
    with open(readme, encoding='utf-8') as f:
        text = f.read()
    m = re.search(r'<!-- finish-args -->(.*?)<!-- /finish-args -->', text, re.S)
    if not m:
        return None
    return re.findall(r'^\s*[-*]\s*`(--[^`]+)`', m.group(1), re.M)


def meson_app_id(source_root):
    with open(os.path.join(source_root, 'meson.build'), encoding='utf-8') as f:
        m = re.search(r"^app_id\s*=\s*'([^']+)'", f.read(), re.M)
    return m.group(1) if m else None


def check_data_files(t, data_dir):
    desktop = os.path.join(data_dir, APP_ID + '.desktop')
    metainfo = os.path.join(data_dir, APP_ID + '.metainfo.xml')
    icon = os.path.join(data_dir, APP_ID + '.svg')
    for path in (desktop, metainfo, icon):
        t.ok(os.path.isfile(path), f'data/{os.path.basename(path)} exists')

    if os.path.isfile(desktop):
        entry = {}
        with open(desktop, encoding='utf-8') as f:
            for line in f:
                if '=' in line and not line.startswith('#'):
                    k, v = line.rstrip('\n').split('=', 1)
                    entry.setdefault(k, v)
        t.ok(entry.get('Icon') == APP_ID, 'desktop file Icon= is the app id', entry.get('Icon'))
        exec_words = entry.get('Exec', '').split()
        t.ok(exec_words[:1] == [COMMAND], 'desktop file runs the manifest command', entry.get('Exec'))
        t.ok(entry.get('Terminal') == 'true', 'desktop file asks for a terminal')

    if os.path.isfile(metainfo):
        root = ET.parse(metainfo).getroot()
        t.ok(root.findtext('id') == APP_ID, 'metainfo <id> is the app id', root.findtext('id'))
        launch = root.find("launchable[@type='desktop-id']")
        t.ok(launch is not None and launch.text == APP_ID + '.desktop',
             'metainfo launchable is the desktop file')
        t.ok(root.findtext('provides/binary') == COMMAND, 'metainfo provides the binary')
        t.ok(root.find('releases/release') is not None, 'metainfo lists releases')

    if os.path.isfile(icon):
        root = ET.parse(icon).getroot()
        t.ok(root.tag == '{http://www.w3.org/2000/svg}svg', 'icon is an SVG document', root.tag)


def check_manifest(t, source_root, flatpak_builder):
    manifest_path = os.path.join(source_root, 'flatpak', APP_ID + '.json')
    if not t.ok(os.path.isfile(manifest_path), f'flatpak/{APP_ID}.json exists'):
        return
    try:
        with open(manifest_path, encoding='utf-8') as f:
            manifest = json.load(f)
        t.ok(True, 'manifest parses as JSON')
    except ValueError as e:
        t.ok(False, 'manifest parses as JSON', e)
        return

    app_id = manifest.get('app-id', manifest.get('id'))
    t.ok(app_id == APP_ID, 'manifest app id', app_id)
    t.ok(meson_app_id(source_root) == APP_ID, 'meson.build app_id matches the manifest')
    t.ok(manifest.get('command') == COMMAND, 'manifest command is holler', manifest.get('command'))

    runtime, sdk = manifest.get('runtime'), manifest.get('sdk')
    t.ok(RUNTIME_SDK.get(runtime) == sdk and bool(manifest.get('runtime-version')),
         'runtime, its sdk and a runtime-version are set', f'{runtime} / {sdk}')

    finish = manifest.get('finish-args', [])
    t.ok(sorted(finish) == sorted(FINISH_ARGS) and len(finish) == len(set(finish)),
         'finish-args are exactly the documented set',
         f'manifest: {finish}\nexpected: {FINISH_ARGS}')
    documented = readme_finish_args(os.path.join(source_root, 'flatpak', 'README.md'))
    t.ok(documented is not None and sorted(documented) == sorted(FINISH_ARGS),
         'flatpak/README.md documents the same finish-args', f'README: {documented}')

    problems = []
    modules = load_modules(manifest.get('modules', []), os.path.dirname(manifest_path), problems)
    t.ok(bool(modules) and modules[-1].get('name') == COMMAND,
         'the app is the last module', [m.get('name') for m in modules])
    for i, m in enumerate(modules):
        problems += source_problems(m, is_app=(i == len(modules) - 1 and m.get('name') == COMMAND))
    t.ok(not problems, f'every module source is pinned ({len(modules)} modules)', '\n'.join(problems))
    app = modules[-1] if modules else {}
    t.ok(app.get('buildsystem') == 'meson', 'the app is built with meson')

    if flatpak_builder:
        with tempfile.TemporaryDirectory() as home:
            env = dict(os.environ, HOME=home)
            # cwd: flatpak-builder creates its .flatpak-builder/ state there.
            r = subprocess.run([flatpak_builder, '--show-manifest', os.path.abspath(manifest_path)],
                               capture_output=True, text=True, timeout=60, env=env, cwd=home)
        warnings = [l for l in r.stderr.splitlines() if 'WARNING' in l or 'Unknown property' in l]
        t.ok(r.returncode == 0 and not warnings, 'flatpak-builder --show-manifest accepts it',
             r.stderr)
    else:
        t.skip('flatpak-builder --show-manifest accepts it', 'flatpak-builder not installed')


def check_install(t, source_root, meson):
    with tempfile.TemporaryDirectory(prefix='holler-flatpak-') as tmp:
        build = os.path.join(tmp, 'build')
        dest = os.path.join(tmp, 'dest')
        steps = [
            [meson, 'setup', build, source_root, '--prefix=/app', '--libdir=lib',
             '-Dtests=false', '-Dbuildtype=plain'],
            [meson, 'install', '-C', build, '--destdir', dest],
        ]
        for cmd in steps:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            if not t.ok(r.returncode == 0, 'meson ' + cmd[1] + ' into a /app staging tree',
                        (r.stdout + r.stderr)[-3000:]):
                return
        prefix = os.path.join(dest, 'app')
        for rel in INSTALLED:
            path = os.path.join(prefix, rel)
            t.ok(os.path.isfile(path), f'installed /app/{rel}')
        binary = os.path.join(prefix, 'bin', COMMAND)
        t.ok(os.access(binary, os.X_OK), '/app/bin/holler is executable')
        # Nothing app-specific may be exported under another name.
        exported = []
        for sub in ('share/applications', 'share/metainfo', 'share/icons', 'share/dbus-1'):
            for root, _dirs, files in os.walk(os.path.join(prefix, sub)):
                exported += [f for f in files if not f.startswith(APP_ID + '.')]
        t.ok(not exported, 'every exported file is named after the app id', exported)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--meson', default=shutil.which('meson'))
    ap.add_argument('--flatpak-builder', default=shutil.which('flatpak-builder'))
    args = ap.parse_args()

    t = Tap()
    check_data_files(t, os.path.join(args.source_root, 'data'))
    check_manifest(t, args.source_root, args.flatpak_builder)
    if args.meson:
        check_install(t, args.source_root, args.meson)
    else:
        t.skip('meson install into a staging prefix', 'meson not found')
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
