/* ftdi: placeholder, being written */
