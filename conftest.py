"""Import the repository's custom_components before Home Assistant's test config shadows it."""

import custom_components.wiener_netze
