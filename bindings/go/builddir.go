package llmkit

// Linking: by default through `pkg-config llmkit` (raw.go), which finds an
// installed libllmkit (meson install, the Debian package libllmkit-dev).
//
// Against a meson build directory instead, without setting CGO_* variables:
//
//	go generate                     # writes zz_builddir.go for ../../build, or $LLMKIT_BUILD_DIR
//	go build -tags llmkit_build ./...
//	go test -tags llmkit_build ./...
//
// zz_builddir.go (not committed) gives cgo the build directory's library,
// with an rpath so that programs run without LD_LIBRARY_PATH, and the
// source tree's include/ directory.

//go:generate go run gen_builddir.go
