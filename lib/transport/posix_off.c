/* llmk_transport_posix() in a build without the POSIX-socket transport
 * (-Dposix_transport=disabled, or a platform without POSIX sockets): the
 * function stays (the ABI is the same in every build) and says so;
 * llmk_features() has no LLMK_FEATURE_POSIX. */
#include "llmkit.h"

llmk_status llmk_transport_posix(llmk_transport *t)
{
	return t ? LLMK_E_UNSUPPORTED : LLMK_E_INVALID_ARG;
}
