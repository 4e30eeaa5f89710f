/* evl: placeholder, being written */
