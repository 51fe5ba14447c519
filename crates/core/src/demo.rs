pub fn placeholder_for_build() {}
