// Placeholder until GyreNode lands.
