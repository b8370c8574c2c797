# Run by `cmake --install` (see the install section of CMakeLists.txt): writes the files that
# name the install prefix, which is only known now (`--prefix` may differ from the configured
# CMAKE_INSTALL_PREFIX). In: BARCODE_SOURCE_DIR, BARCODE_VERSION, BARCODE_BINDIR, BARCODE_SHARE.
set(BARCODE_PREFIX "${CMAKE_INSTALL_PREFIX}")
if(DEFINED ENV{DESTDIR})
  set(stage "$ENV{DESTDIR}")
else()
  set(stage "")
endif()
set(share "${stage}${BARCODE_PREFIX}/${BARCODE_SHARE}")

# The Lmod modulefile: share/barcode_mpi/modulefiles/barcode_mpi/<version>.lua.
set(modulefile "${share}/modulefiles/barcode_mpi/${BARCODE_VERSION}.lua")
message(STATUS "Installing: ${modulefile}")
configure_file("${BARCODE_SOURCE_DIR}/modules/barcode_mpi.lua.in" "${modulefile}" @ONLY)

# The slurm templates: their default tool becomes the installed one (BARCODE_MPI still wins).
set(tool "${BARCODE_PREFIX}/${BARCODE_BINDIR}/barcode_mpi")
foreach(template barcode.sbatch archive.sbatch)
  file(READ "${BARCODE_SOURCE_DIR}/slurm/${template}" text)
  string(REPLACE "BARCODE_INSTALLED=\"\"" "BARCODE_INSTALLED=\"${tool}\"" text "${text}")
  string(FIND "${text}" "BARCODE_INSTALLED=\"${tool}\"" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "slurm/${template}: the line BARCODE_INSTALLED=\"\" is missing")
  endif()
  message(STATUS "Installing: ${share}/slurm/${template}")
  file(WRITE "${share}/slurm/${template}" "${text}")
  file(CHMOD "${share}/slurm/${template}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
       GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
