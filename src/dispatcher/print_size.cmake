# Prints the built dispatcher's size (a POST_BUILD step): it is uploaded to the device on every
# bootstrap, so its size is watched.
# Usage: cmake -DFILE=<path> [-DLABEL=<prefix>] [-DSTAMP=<file>] -P print_size.cmake
# With STAMP, prints only when FILE is newer than STAMP (then touches it): for a step that runs on
# every build.
if(STAMP AND EXISTS "${STAMP}" AND NOT "${FILE}" IS_NEWER_THAN "${STAMP}")
  return()
endif()
file(SIZE "${FILE}" akl_dispatcher_size)
get_filename_component(akl_dispatcher_file "${FILE}" NAME)
message(NOTICE "${LABEL}${akl_dispatcher_file}: ${akl_dispatcher_size} bytes")
if(STAMP)
  file(TOUCH "${STAMP}")
endif()
