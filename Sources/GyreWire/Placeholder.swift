// Placeholder until GyreWire lands.
