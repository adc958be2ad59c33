# Prints the built dispatcher's size (a POST_BUILD step): it is uploaded to the device on every
# bootstrap, so its size is watched. Usage: cmake -DFILE=<path> [-DLABEL=<prefix>] -P print_size.cmake
file(SIZE "${FILE}" akl_dispatcher_size)
get_filename_component(akl_dispatcher_file "${FILE}" NAME)
message(NOTICE "${LABEL}${akl_dispatcher_file}: ${akl_dispatcher_size} bytes")
