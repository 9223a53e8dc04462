// Placeholder until GyreStorage lands.
