; pynsist's template with one Start menu entry, named in Vietnamese («Bàn làm việc văn thư»),
; instead of a folder holding it beside the ASCII-named application shortcut. The application
; keeps an ASCII name: it is the install folder's name, and Tesseract's data path on Windows
; goes through the ANSI code page.
[% extends "pyapp.nsi" %]

[% block modernui %]
; build-windows puts its compressor here (CLERK_NSIS_COMPRESSOR: lzma by default, zlib for a
; quick build: LZMA on two busy cores takes the better part of an hour).
SetCompressor /FINAL @COMPRESSOR@
; A 64-bit installer for the 64-bit desk (NSIS' default stub is 32-bit, which also needs WoW64).
Target amd64-unicode
[[ super() ]]
[% endblock modernui %]

[% block install_shortcuts %]
  SetOutPath "%HOMEDRIVE%\%HOMEPATH%"
  [% for scname, sc in ib.shortcuts.items() %]
  [% if scname != ib.appname %]
  CreateShortCut "$SMPROGRAMS\[[scname]].lnk" "[[sc['target'] ]]" \
    '[[ sc['parameters'] ]]' "$INSTDIR\[[ sc['icon'] ]]"
  [% endif %]
  [% endfor %]
  SetOutPath "$INSTDIR"
[% endblock install_shortcuts %]

[% block uninstall_shortcuts %]
  [% for scname in ib.shortcuts %]
  [% if scname != ib.appname %]
  Delete "$SMPROGRAMS\[[scname]].lnk"
  [% endif %]
  [% endfor %]
[% endblock uninstall_shortcuts %]
