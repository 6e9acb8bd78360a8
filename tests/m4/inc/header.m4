define(`hdr', `header macro')dnl
included line __file__ __line__
